package dev.parasim.sweep;

import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.ZeroStage;
import dev.parasim.spec.SweepSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The plans of a sweep. The outer axes (GPU count, tp, pp, cp) form seeds that Spark spreads over
 * tasks; each task expands its seed over the inner axes. Combinations that name the same plan twice
 * are not plans: with pp = 1 the schedule and chunks do not apply, chunks > 1 only with interleaved
 * (which needs chunks > 1), sequence parallelism only with tp > 1. Expert parallelism (an MoE model's ep axis) is the
 * innermost axis; an ep the layout does not allow (not dividing dp or the experts, or with tp > 1) is a rejected plan.
 */
public final class PlanSpace {
    private PlanSpace() {}

    /** The outer coordinates of a group of plans. */
    public record Seed(int gpus, int tp, int pp, int cp) implements java.io.Serializable {}

    /** One distinct plan of the space. */
    public record Candidate(Seed seed, ZeroStage zero, PipelineSchedule schedule, int chunks, int microBatch,
                            Recompute recompute, boolean sequenceParallel, int ep) {}

    public static List<Seed> seeds(SweepSpec spec) {
        List<Seed> seeds = new ArrayList<>();
        for (int gpus : spec.gpus())
            for (int tp : spec.axes().tp())
                for (int pp : spec.axes().pp())
                    for (int cp : spec.axes().cp()) seeds.add(new Seed(gpus, tp, pp, cp));
        return seeds;
    }

    /** Feeds every distinct plan of a seed to {@code sink}, in a fixed order. */
    public static void expand(SweepSpec spec, Seed seed, Consumer<Candidate> sink) {
        SweepSpec.Axes a = spec.axes();
        List<PipelineSchedule> schedules = seed.pp() == 1 ? List.of(PipelineSchedule.ONE_F_ONE_B) : a.schedule();
        List<Boolean> sp = seed.tp() == 1 ? List.of(false) : a.sequenceParallel();
        for (ZeroStage zero : a.zero())
            for (PipelineSchedule schedule : schedules)
                for (int chunks : chunkChoices(schedule, a.chunks()))
                    for (int mbs : a.microBatch())
                        for (Recompute recompute : a.recompute())
                            for (boolean seq : sp)
                                for (int ep : a.ep())
                                    sink.accept(new Candidate(seed, zero, schedule, chunks, mbs, recompute, seq, ep));
    }

    /** {@return how many candidates {@link #expand} feeds for the seed, without enumerating them} */
    public static long count(SweepSpec spec, Seed seed) {
        SweepSpec.Axes a = spec.axes();
        List<PipelineSchedule> schedules = seed.pp() == 1 ? List.of(PipelineSchedule.ONE_F_ONE_B) : a.schedule();
        long schedulesAndChunks = 0;
        for (PipelineSchedule schedule : schedules) schedulesAndChunks += chunkChoices(schedule, a.chunks()).size();
        return a.zero().size() * schedulesAndChunks * a.microBatch().size() * a.recompute().size()
                * (seed.tp() == 1 ? 1 : a.sequenceParallel().size()) * a.ep().size();
    }

    static List<Integer> chunkChoices(PipelineSchedule schedule, List<Integer> chunks) {
        if (schedule != PipelineSchedule.INTERLEAVED) return List.of(1);
        return chunks.stream().filter(c -> c > 1).distinct().toList();
    }

    /** {@return distinct plans in the whole space (before validity rules)} */
    public static long distinct(SweepSpec spec) {
        long[] n = {0};
        for (Seed seed : seeds(spec)) expand(spec, seed, c -> n[0]++);
        return n[0];
    }
}

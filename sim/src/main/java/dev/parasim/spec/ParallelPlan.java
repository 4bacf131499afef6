package dev.parasim.spec;

import java.io.Serializable;
import java.util.List;

/**
 * How one experiment is laid over the cluster: degrees of data, tensor, pipeline and context
 * parallelism, the ZeRO stage of the data-parallel part and the pipeline schedule. Any ZeRO stage composes
 * with any tp and pp (ZeRO-3 with pipelines as PyTorch FSDP with pipeline stages, e.g. torchtitan, or
 * Megatron-core's FSDP; DeepSpeed's engine alone refuses ZeRO-2/3 with its pipeline).
 *
 * @param chunks      virtual pipeline chunks per rank (v); more than 1 only with the interleaved schedule
 * @param stageLayers an explicit split of the model's layers over the p·v virtual stages (virtual stage c·p + s is
 *                    chunk c of stage s), one entry each, every one at least 1; empty for the default split
 *                    ({@code workload.StageSplit}: as even as possible, the first and last virtual stages taking
 *                    the smaller share). That the entries sum to {@code model.layers} is {@link Experiment}'s rule.
 * @param ep          expert parallelism: each MoE layer's experts split over groups of ep consecutive data-parallel ranks
 *                    (EP carved from DP, as Megatron-Core before its parallel folding), tokens sent to their experts and
 *                    back by AllToAll; the experts'
 *                    parameters then have dp·cp/ep replicas (the expert-data-parallel group). 1 without MoE; the rules
 *                    tying it to the model and the other degrees are {@link Experiment}'s.
 */
public record ParallelPlan(String name, int dp, int tp, int pp, int cp, ZeroStage zero, PipelineSchedule schedule,
                           int chunks, boolean sequenceParallel, List<Integer> stageLayers, int ep) implements Serializable {

    public ParallelPlan {
        Check.fileName("name", name);
        Check.atMost("dp", Check.positive("dp", dp), Limits.MAX_GPUS);
        Check.atMost("tp", Check.positive("tp", tp), Limits.MAX_GPUS);
        Check.atMost("pp", Check.positive("pp", pp), Limits.MAX_GPUS);
        Check.atMost("cp", Check.positive("cp", cp), Limits.MAX_GPUS);
        Check.atMost("chunks", Check.positive("chunks", chunks), Limits.MAX_GPUS);
        Check.atMost("ep", Check.positive("ep", ep), Limits.MAX_GPUS);
        if (dp % ep != 0) throw new SpecException("ep", "must divide dp (" + dp + ")", ep);
        // Each factor is at most 2^20, so the product of the four fits a double exactly enough to compare.
        double world = (double) dp * tp * pp * cp;
        if (world > Limits.MAX_GPUS)
            throw new SpecException("", "dp·tp·pp·cp must be at most " + Limits.MAX_GPUS, dp + "·" + tp + "·" + pp + "·" + cp);
        if (zero == null) throw new SpecException("zero", "is required", null);
        if (schedule == null) throw new SpecException("schedule", "is required", null);
        if (chunks > 1 && schedule != PipelineSchedule.INTERLEAVED)
            throw new SpecException("chunks", "may exceed 1 only with schedule interleaved", chunks);
        if (schedule == PipelineSchedule.INTERLEAVED && pp == 1)
            throw new SpecException("schedule", "interleaved needs pp > 1", schedule.label());
        if (sequenceParallel && tp == 1)
            throw new SpecException("sequenceParallel", "needs tp > 1", true);
        stageLayers = stageLayers == null ? List.of() : List.copyOf(stageLayers);
        if (!stageLayers.isEmpty() && stageLayers.size() != (long) pp * chunks)
            throw new SpecException("stageLayers", "must have one entry per virtual stage (pp·chunks = " + (long) pp * chunks
                    + ")", stageLayers);
        for (int i = 0; i < stageLayers.size(); i++)
            if (stageLayers.get(i) < 1) throw new SpecException("stageLayers[" + i + "]", "must be at least 1", stageLayers.get(i));
    }

    /** A plan without expert parallelism. */
    public ParallelPlan(String name, int dp, int tp, int pp, int cp, ZeroStage zero, PipelineSchedule schedule,
                        int chunks, boolean sequenceParallel, List<Integer> stageLayers) {
        this(name, dp, tp, pp, cp, zero, schedule, chunks, sequenceParallel, stageLayers, 1);
    }

    /** A plan with the default split of its layers over its stages, without expert parallelism. */
    public ParallelPlan(String name, int dp, int tp, int pp, int cp, ZeroStage zero, PipelineSchedule schedule,
                        int chunks, boolean sequenceParallel) {
        this(name, dp, tp, pp, cp, zero, schedule, chunks, sequenceParallel, List.of());
    }

    /** {@return the expert-data-parallel degree: the dp·cp/ep ranks that hold the same experts} */
    public int edp() { return dp * cp / ep; }

    public int world() { return dp * tp * pp * cp; }

    /** {@return a copy with another ZeRO stage (for what-ifs and sweeps)} */
    public ParallelPlan withZero(ZeroStage stage) {
        return new ParallelPlan(name, dp, tp, pp, cp, stage, schedule, chunks, sequenceParallel, stageLayers, ep);
    }
}

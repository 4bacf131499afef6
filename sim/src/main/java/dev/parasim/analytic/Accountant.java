package dev.parasim.analytic;

import dev.parasim.memory.MemoryBreakdown;
import dev.parasim.memory.MemoryModel;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.workload.Flops;
import dev.parasim.workload.Parameters;
import dev.parasim.workload.StageSplit;

import dev.parasim.plan.RankLayout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

/**
 * The closed-form interpreter: memory, communication and step time of a plan at any scale, in
 * microseconds. A plan that does not fit in memory is still predicted and marked, never an error.
 */
public final class Accountant {
    private Accountant() {}

    public static List<PlanPrediction> predict(Experiment e) {
        return e.plans().stream().map(plan -> predict(e, plan)).toList();
    }

    public static PlanPrediction predict(Experiment e, ParallelPlan plan) {
        return evaluate(e, plan).prediction();
    }

    /** The prediction and the per-stage costs behind it (which the timeline replays). */
    public record Evaluation(PlanPrediction prediction, List<StageCost> stages) {}

    /** What a stage's costs depend on beyond the plan: its place, which of its boundaries cross nodes, its layers. */
    private record StageKind(boolean first, boolean last, boolean receivesAcrossNodes, boolean sendsAcrossNodes, int layers) {}

    /** A stage kind's costs, its collectives and the bytes they send per GPU. */
    private record Costed(StageCost cost, List<CommOp> ops, long bytes) {}

    public static Evaluation evaluate(Experiment e, ParallelPlan plan) {
        // Stages differ only by being first or last, by which of their boundaries cross nodes and by how many layers they
        // hold (workload.StageSplit): cost each kind once.
        RankLayout layout = RankLayout.of(plan, e.cluster());
        StageSplit split = StageSplit.of(e.model(), plan);
        Map<StageKind, Costed> byKind = new HashMap<>();
        List<StageCost> stages = new ArrayList<>();
        Costed busiest = null;
        int p = plan.pp();
        for (int stage = 0; stage < p; stage++) {
            StageKind kind = new StageKind(stage == 0, stage == p - 1, stage > 0 && layout.stageBoundaryCrossesNodes(stage - 1),
                    stage < p - 1 && layout.stageBoundaryCrossesNodes(stage), split.stageLayers(stage));
            Costed costed = byKind.get(kind);
            if (costed == null) {
                List<CommOp> ops = CommModel.stage(e, plan, stage);
                costed = new Costed(StepTimeModel.stage(e, plan, stage, ops), ops, CommVolume.bytesPerGpu(ops));
                byKind.put(kind, costed);
            }
            stages.add(costed.cost());
            if (busiest == null || costed.bytes() > busiest.bytes()) busiest = costed;
        }
        CommVolume volume = CommModel.volume(e, busiest.ops());   // summed by kind and tier for the busiest stage only
        MemoryBreakdown memory = MemoryModel.of(e, plan);
        StepTime time = StepTimeModel.of(e, plan, stages);
        long sequences = e.training().globalBatch();
        double modelFlops = Flops.model(e.model(), sequences);
        double hardwareFlops = Flops.hardware(e.model(), sequences, e.training().recompute());
        double peak = e.cluster().gpu().peakFlops(e.training().precision()) * plan.world();
        double tokensPerSecond = sequences * (double) e.model().seqLen() / time.stepSeconds();
        return new Evaluation(new PlanPrediction(plan, Parameters.total(e.model()), Parameters.active(e.model()), memory, volume, time, modelFlops,
                hardwareFlops, modelFlops / (time.stepSeconds() * peak), hardwareFlops / (time.stepSeconds() * peak),
                tokensPerSecond), stages);
    }
}

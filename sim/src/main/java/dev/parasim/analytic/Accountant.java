package dev.parasim.analytic;

import dev.parasim.memory.MemoryBreakdown;
import dev.parasim.memory.MemoryModel;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.workload.Flops;
import dev.parasim.workload.Parameters;

import java.util.ArrayList;
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
        List<List<CommOp>> opsByStage = new ArrayList<>();
        CommVolume busiest = null;
        for (int stage = 0; stage < plan.pp(); stage++) {
            List<CommOp> ops = CommModel.stage(e, plan, stage);
            opsByStage.add(ops);
            CommVolume v = CommModel.volume(e, ops);
            if (busiest == null || v.bytesPerGpu() > busiest.bytesPerGpu()) busiest = v;
        }
        MemoryBreakdown memory = MemoryModel.of(e, plan);
        StepTime time = StepTimeModel.of(e, plan, opsByStage);
        long sequences = e.training().globalBatch();
        double modelFlops = Flops.model(e.model(), sequences);
        double hardwareFlops = Flops.hardware(e.model(), sequences, e.training().recompute());
        double peak = e.cluster().gpu().peakFlops(e.training().precision()) * plan.world();
        double tokensPerSecond = sequences * (double) e.model().seqLen() / time.stepSeconds();
        return new PlanPrediction(plan, Parameters.total(e.model()), memory, busiest, time, modelFlops, hardwareFlops,
                modelFlops / (time.stepSeconds() * peak), hardwareFlops / (time.stepSeconds() * peak), tokensPerSecond);
    }
}

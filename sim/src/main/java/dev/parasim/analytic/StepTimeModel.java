package dev.parasim.analytic;

import dev.parasim.cost.ComputeCost;
import dev.parasim.cost.PassTimes;
import dev.parasim.spec.Calibration;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.workload.Parameters;

import java.util.List;

/**
 * Step time of a plan from its compute and communication. Overlap rules:
 * <ul>
 * <li>TP collectives sit on the critical path; with {@code training.tpCommOverlap} a calibrated
 *   fraction of them hides behind the GEMMs (Megatron-Core's TP communication overlap).</li>
 * <li>DP gradient synchronisation overlaps the backward pass of the last micro-batch, the ZeRO-1/2
 *   parameter AllGather the next forward, each up to the calibrated {@code dpOverlap} share.</li>
 * <li>ZeRO-3 gathers are prefetched: each pass hides its gathers (and reduce-scatters) behind its compute.</li>
 * <li>CP key/value passing overlaps the attention core; PP sends overlap compute in the steady state and
 *   are exposed only while the pipeline fills.</li>
 * <li>Bubble (Narayanan et al. 2021; Qi et al. 2024): (p−1)·(F+B+W) for GPipe and 1F1B, divided by v
 *   interleaved, (p−1)·(F+B−W) for ZB-H1, on the slowest stage.</li>
 * </ul>
 */
public final class StepTimeModel {
    private StepTimeModel() {}

    public static StepTime of(Experiment e, ParallelPlan plan, List<List<CommOp>> opsByStage) {
        ModelSpec model = e.model();
        Calibration cal = e.cluster().calibration();
        ComputeCost cost = new ComputeCost(e.cluster().gpu(), e.training().precision(), cal);
        int m = e.microBatches(plan), p = plan.pp(), mbs = e.training().microBatch();
        PassTimes layer = cost.layer(model, plan, mbs, e.training().recompute());
        double attention = 3 * cost.attention(4.0 * mbs * model.seqLen() / plan.cp() * model.seqLen() * model.hidden() / plan.tp());
        double tpHidden = e.training().tpCommOverlap() ? cal.tpOverlap() : 0;

        StageTime slowest = null;
        for (int stage = 0; stage < p; stage++) {
            PassTimes compute = layer.times((double) model.layers() / p);
            if (stage == 0) compute = compute.plus(cost.embedding(model, plan, mbs));
            if (stage == p - 1) compute = compute.plus(cost.head(model, plan, mbs));
            double forwardExposed = 0, backwardExposed = 0, syncExposed = 0, cpTime = 0;
            double dpForward = 0, dpBackward = 0, dpSync = 0, dpAfter = 0, fill = 0;
            for (CommOp op : opsByStage.get(stage)) {
                double perMicroBatch = op.count() * op.each().seconds() / m;
                switch (op.axis()) {
                    case TP -> {
                        if (op.phase() == CommOp.Phase.FORWARD) forwardExposed += (1 - tpHidden) * perMicroBatch;
                        else backwardExposed += (1 - tpHidden) * perMicroBatch;
                    }
                    case CP -> cpTime += perMicroBatch;
                    case PP -> fill += op.each().seconds();
                    case DP -> {
                        switch (op.phase()) {
                            case FORWARD -> dpForward += perMicroBatch;
                            case BACKWARD -> dpBackward += perMicroBatch;
                            case GRADIENT_SYNC -> dpSync += op.count() * op.each().seconds();
                            case AFTER_STEP -> dpAfter += op.count() * op.each().seconds();
                        }
                    }
                }
            }
            forwardExposed += Math.max(0, dpForward - cal.dpOverlap() * compute.forward());
            backwardExposed += Math.max(0, dpBackward - cal.dpOverlap() * compute.backward());
            double cpExposed = Math.max(0, cpTime - attention * model.layers() / p);
            syncExposed += Math.max(0, dpSync - cal.dpOverlap() * compute.backward());
            syncExposed += Math.max(0, dpAfter - cal.dpOverlap() * compute.forward());
            long[] units = Parameters.stageUnits(model, plan.tp(), p, stage);
            double shard = (double) Parameters.sum(units) / (plan.zero().shardsOptimizer() ? plan.dp() * plan.cp() : 1);
            StageTime st = new StageTime(stage, compute, forwardExposed + cpExposed, backwardExposed, syncExposed,
                    fill, cost.optimizerStep(shard));
            if (slowest == null || st.microBatchSeconds() > slowest.microBatchSeconds()) slowest = st;
        }
        double bubble = p == 1 ? 0 : bubble(plan, slowest) + (p - 1) * slowest.fill();
        double compute = m * slowest.compute().total() + slowest.optimizer();
        double exposed = m * (slowest.forwardExposed() + slowest.backwardExposed()) + slowest.syncExposed();
        return new StepTime(compute + exposed + bubble, compute, exposed, bubble, slowest.stage());
    }

    static double bubble(ParallelPlan plan, StageTime s) {
        int p = plan.pp();
        double f = s.compute().forward() + s.forwardExposed();
        double b = s.compute().backwardInput() + s.backwardExposed();
        double w = s.compute().backwardWeight();
        return switch (plan.schedule()) {
            case GPIPE, ONE_F_ONE_B -> (p - 1) * (f + b + w);
            case INTERLEAVED -> (p - 1) * (f + b + w) / plan.chunks();
            case ZB_H1 -> (p - 1) * Math.max(0, f + b - w);
        };
    }

    /** One stage's per-micro-batch compute and exposed communication, and its once-per-step costs. */
    record StageTime(int stage, PassTimes compute, double forwardExposed, double backwardExposed, double syncExposed,
                     double fill, double optimizer) {
        double microBatchSeconds() { return compute.total() + forwardExposed + backwardExposed; }
    }

}

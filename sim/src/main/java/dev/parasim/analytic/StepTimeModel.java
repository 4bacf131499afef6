package dev.parasim.analytic;

import dev.parasim.cost.ComputeCost;
import dev.parasim.cost.PassTimes;
import dev.parasim.spec.Calibration;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.ZeroGathers;
import dev.parasim.spec.ZeroStage;
import dev.parasim.workload.Parameters;
import dev.parasim.workload.StageSplit;

import java.util.ArrayList;
import java.util.List;

/**
 * Step time of a plan from its compute and communication. Overlap rules:
 * <ul>
 * <li>TP collectives sit on the critical path; with {@code training.tpCommOverlap} a calibrated
 *   fraction of them hides behind the GEMMs (Megatron-Core's TP communication overlap). Sequence
 *   parallelism's backward re-gathers of the qkv/fc1 inputs are TP collectives like the others.</li>
 * <li>DP gradient synchronisation overlaps the backward pass of the last micro-batch up to the calibrated
 *   {@code dpOverlap} share, DDP's buckets only once the backward has produced them, one after another, the last one
 *   exposed ({@link StageCost#syncExposed}); the ZeRO-1/2 parameter AllGather overlaps the next forward. Per-micro-batch DP
 *   collectives (ZeRO-2/3) that hide behind compute still slow it by {@link #OVERLAP_INTERFERENCE} of their time.</li>
 * <li>ZeRO-3 (see {@link #zero3Exposed}): gathered per unit and prefetched (FSDP), a unit's gather hides behind the
 *   previous unit's compute and its reduce-scatter behind the next one's, so each pass exposes its first gather and
 *   its last reduce-scatter, and whatever the other units' communication exceeds their compute — with one micro-batch
 *   of few tokens a layer's compute is short and the rest shows. Gathered per tensor on demand (DeepSpeed ZeRO-3 of
 *   2021, {@code training.zeroGathers: tensors}), every gather and reduce-scatter is on the critical path.</li>
 * <li>Expert parallelism's AllToAlls sit on the critical path of their pass.</li>
 * <li>CP key/value passing overlaps the attention core; PP sends overlap compute in the steady state and
 *   are exposed only while the pipeline fills.</li>
 * <li>Bubble (Narayanan et al. 2021; Qi et al. 2024): (p−1)·(F+B+W) for GPipe and 1F1B, divided by v
 *   interleaved, (p−1)·(F+B−W) for ZB-H1, on the slowest stage.</li>
 * </ul>
 */
public final class StepTimeModel {
    private StepTimeModel() {}

    /** {@return every stage's costs} */
    public static List<StageCost> stages(Experiment e, ParallelPlan plan, List<List<CommOp>> opsByStage) {
        List<StageCost> stages = new ArrayList<>();
        for (int stage = 0; stage < plan.pp(); stage++) stages.add(stage(e, plan, stage, opsByStage.get(stage)));
        return stages;
    }

    public static StageCost stage(Experiment e, ParallelPlan plan, int stage, List<CommOp> ops) {
        ModelSpec model = e.model();
        Calibration cal = e.cluster().calibration();
        ComputeCost cost = new ComputeCost(e.cluster().gpu(), e.training().precision(), cal);
        int m = e.microBatches(plan), p = plan.pp(), mbs = e.training().microBatch();
        double tpHidden = e.training().tpCommOverlap() ? cal.tpOverlap() : 0;
        // The stage's own layers (workload.StageSplit): uneven stages compute unevenly.
        int layers = StageSplit.of(model, plan).stageLayers(stage);
        PassTimes compute = cost.layer(model, plan, mbs, e.training().recompute(), e.training().recomputeEarlyStop()).times(layers);
        if (stage == 0) compute = compute.plus(cost.embedding(model, plan, mbs));
        if (stage == p - 1) compute = compute.plus(cost.head(model, plan, mbs));
        double attention = cost.attentionCore(model, plan, (double) mbs * model.seqLen() / plan.cp()).total()
                * ((double) layers * p) / p;   // = ·layers; so written that even splits give the bits L/p always gave
        double forwardExposed = 0, backwardExposed = 0, cpTime = 0, dpForward = 0, dpBackward = 0;
        double gradientSync = 0, bucketedSync = 0, afterStep = 0, sendForward = 0, sendBackward = 0, zeroForward = 0, zeroBackward = 0;
        for (CommOp op : ops) {
            double perMicroBatch = op.count() * op.each().seconds() / m;
            switch (op.axis()) {
                case TP -> {
                    if (op.phase() == CommOp.Phase.GRADIENT_SYNC) gradientSync += op.count() * op.each().seconds();
                    else if (op.phase() == CommOp.Phase.FORWARD) forwardExposed += (1 - tpHidden) * perMicroBatch;
                    else backwardExposed += (1 - tpHidden) * perMicroBatch;
                }
                case CP -> cpTime += perMicroBatch;
                // Expert parallelism's AllToAlls: on the critical path of their pass.
                case EP -> {
                    if (op.phase() == CommOp.Phase.FORWARD) forwardExposed += perMicroBatch;
                    else backwardExposed += perMicroBatch;
                }
                case PP -> {
                    if (op.phase() == CommOp.Phase.GRADIENT_SYNC) gradientSync += op.count() * op.each().seconds();
                    else if (op.phase() == CommOp.Phase.FORWARD) sendForward = op.each().seconds();
                    else sendBackward = op.each().seconds();
                }
                case DP -> {
                    if (plan.zero() == ZeroStage.PARAMETERS && op.phase() == CommOp.Phase.FORWARD) {
                        zeroForward += perMicroBatch;
                        continue;
                    }
                    if (plan.zero() == ZeroStage.PARAMETERS && op.phase() == CommOp.Phase.BACKWARD) {
                        zeroBackward += perMicroBatch;
                        continue;
                    }
                    switch (op.phase()) {
                        case FORWARD -> dpForward += perMicroBatch;
                        case BACKWARD -> dpBackward += perMicroBatch;
                        case GRADIENT_SYNC -> {
                            gradientSync += op.count() * op.each().seconds();
                            if (plan.zero() == ZeroStage.DDP) bucketedSync += op.count() * op.each().seconds();
                        }
                        case AFTER_STEP -> afterStep += op.count() * op.each().seconds();
                    }
                }
            }
        }
        forwardExposed += overlapped(dpForward, compute.forward(), cal.dpOverlap());
        backwardExposed += overlapped(dpBackward, compute.backward(), cal.dpOverlap());
        // Ring attention hides K/V passing behind the attention core; the excess lands on the forward.
        forwardExposed += Math.max(0, cpTime - attention);
        long[] units = Parameters.stageUnits(model, plan, stage);
        boolean onDemand = e.training().zeroGathers() == ZeroGathers.TENSORS;
        forwardExposed += zero3Exposed(zeroForward, compute.forward(), units.length, plan.chunks(), cal.dpOverlap(), onDemand);
        backwardExposed += zero3Exposed(zeroBackward, compute.backward(), units.length, plan.chunks(), cal.dpOverlap(), onDemand);
        double shard = (double) Parameters.sum(units) / (plan.zero().shardsOptimizer() ? plan.dp() * plan.cp() : 1);
        if (plan.ep() > 1 && plan.zero().shardsOptimizer()) {
            // The experts' states are sharded over their own dp·cp/ep replicas.
            double experts = Parameters.sum(Parameters.stageExpertUnits(model, plan, stage));
            shard = (Parameters.sum(units) - experts) / (plan.dp() * plan.cp()) + experts / plan.edp();
        }
        int buckets = bucketedSync > 0 ? (int) CommModel.ddpBuckets(e, plan, stage) : 0;
        return new StageCost(compute, forwardExposed, backwardExposed, gradientSync, bucketedSync, buckets, afterStep,
                sendForward, sendBackward, cost.optimizerStep(shard));
    }

    /**
     * {@return the ZeRO-3 communication of one pass (all its chunks) that its compute cannot hide}. Prefetched per unit,
     * the pass of each chunk runs its u units in order; unit k's gather overlaps unit k − 1's compute (its
     * reduce-scatter, in backward, unit k + 1's), so the first gather and the last reduce-scatter of a chunk have
     * nothing to hide behind — together one unit's share, v/u of the pass's communication — and the rest hides
     * behind the other units' compute, (1 − v/u) of the pass, up to the calibrated {@code dpOverlap} share. On
     * demand, nothing is fetched ahead and the whole communication is exposed.
     *
     * @param comm    seconds of the pass's gathers (and reduce-scatters) per micro-batch
     * @param compute seconds of the pass's compute per micro-batch
     * @param units   the stage's units; {@code chunks} passes of units/chunks units each run per micro-batch
     */
    static double zero3Exposed(double comm, double compute, int units, int chunks, double dpOverlap, boolean onDemand) {
        if (comm == 0) return 0;
        if (onDemand) return comm;
        double edge = Math.min(1, (double) chunks / units);
        double exposed = edge * comm + Math.max(0, (1 - edge) * (comm - dpOverlap * compute));
        return exposed + OVERLAP_INTERFERENCE * Math.min(comm - exposed, compute);
    }

    /** {@return the per-micro-batch data-parallel communication a pass exposes, interference on its hidden part included} */
    static double overlapped(double comm, double compute, double dpOverlap) {
        double exposed = Math.max(0, comm - dpOverlap * compute);
        return exposed + OVERLAP_INTERFERENCE * Math.min(comm - exposed, compute);
    }

    /**
     * What hidden communication still costs: while a data-parallel collective (FSDP's per-unit gathers and
     * reduce-scatters, ZeRO-2's per-micro-batch reduce-scatters) runs behind compute, NCCL's kernels hold SMs and
     * stream HBM (the reductions; the network's copies), so the concurrent GEMMs slow down by this share of the
     * collective's hidden time. One global value, fitted with the per-GPU calibrations to llm-foundry's FSDP rows
     * (0 before: overlap was free, so small models at high GPU counts and small micro-batches — most communication per
     * FLOP — came out up to 18% too fast while the large-micro-batch rows needed a low GEMM efficiency to match).
     * Applies to per-micro-batch DP collectives only; the once-a-step sync and TP collectives keep their own rules
     * (charged on the hidden part of the once-a-step sync too — DDP's buckets, ZeRO-1's ReduceScatter — it took
     * Megatron-Core's table from mean 5.9%, max 13.9% to 6.6%, 19.9%, and moved the A100 tables by at most 0.4 points).
     */
    static final double OVERLAP_INTERFERENCE = 0.6;

    public static StepTime of(Experiment e, ParallelPlan plan, List<StageCost> stages) {
        double dpOverlap = e.cluster().calibration().dpOverlap();
        int m = e.microBatches(plan), p = plan.pp();
        StageCost slowest = null;
        int slowestStage = 0;
        for (int s = 0; s < stages.size(); s++) {
            StageCost st = stages.get(s);
            if (slowest == null || st.microBatchSeconds() > slowest.microBatchSeconds()) {
                slowest = st;
                slowestStage = s;
            }
        }
        double syncExposed = slowest.syncExposed(dpOverlap * slowest.compute().backward())
                + Math.max(0, slowest.afterStep() - dpOverlap * slowest.compute().forward());
        double fill = p == 1 ? 0 : (p - 1) * (slowest.sendForward() + slowest.sendBackward());
        double bubble = p == 1 ? 0 : bubble(plan, slowest) + fill;
        double compute = m * slowest.compute().total() + slowest.optimizer();
        double exposed = m * (slowest.forwardExposed() + slowest.backwardExposed()) + syncExposed;
        return new StepTime(compute + exposed + bubble, compute, exposed, bubble, slowestStage);
    }

    static double bubble(ParallelPlan plan, StageCost s) {
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
}

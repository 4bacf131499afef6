package dev.parasim.analytic;

import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveCost;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.collective.Transfer;
import dev.parasim.plan.Axis;
import dev.parasim.plan.GroupSpan;
import dev.parasim.plan.RankLayout;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.Precision;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.ZeroGathers;
import dev.parasim.workload.ExpertDispatch;
import dev.parasim.workload.Parameters;
import dev.parasim.workload.StageSplit;

import java.util.ArrayList;
import java.util.List;

import static dev.parasim.analytic.CommOp.Phase.AFTER_STEP;
import static dev.parasim.analytic.CommOp.Phase.BACKWARD;
import static dev.parasim.analytic.CommOp.Phase.FORWARD;
import static dev.parasim.analytic.CommOp.Phase.GRADIENT_SYNC;
import static dev.parasim.collective.CollectiveKind.ALL_GATHER;
import static dev.parasim.collective.CollectiveKind.ALL_REDUCE;
import static dev.parasim.collective.CollectiveKind.ALL_TO_ALL;
import static dev.parasim.collective.CollectiveKind.REDUCE_SCATTER;
import static dev.parasim.collective.CollectiveKind.SEND_RECV;

/**
 * Every collective one rank of a pipeline stage issues in one optimizer step, with exact byte counts:
 * <ul>
 * <li>DP (ZeRO, Rajbhandari et al. 2020; executor semantics): DDP accumulates gradients locally and
 *   AllReduces them once, bucketed; ZeRO-1 ReduceScatters once and AllGathers the updated parameters;
 *   ZeRO-2 ReduceScatters after every micro-batch; ZeRO-3 AllGathers each unit before its forward and
 *   again before its backward and ReduceScatters its gradient, every micro-batch, one collective per unit (each
 *   with its own latency); fetched on demand per tensor under full recompute, it gathers once more in backward
 *   ({@link #backwardGathers}). Buffers pad per unit.</li>
 * <li>TP (Narayanan et al. 2021 §3.2): per layer per micro-batch 2 AllReduces forward + 2 backward on
 *   b·s·h elements (8·b·s·h·(t−1)/t sent); with sequence parallelism AllGather + ReduceScatter pairs
 *   of the same volume, plus in backward an AllGather of the qkv and of the fc1 input, which SP keeps only as
 *   the rank's sequence shard (Korthikanti et al. 2022 §4.2.3); full recompute repeats the forward pair.
 *   Embedding: one forward AllReduce (ReduceScatter with SP); LM head: one backward AllReduce of its input
 *   (AllGather + ReduceScatter with SP; the head keeps its gathered input, no re-gather).
 *   With SP, once per step, an AllReduce of the norms' (and GPT's wpe) gradients (Korthikanti et al. 2022 §4.2.2); under
 *   ZeRO-2/3 after every micro-batch instead, before its ReduceScatter.</li>
 * <li>PP (§4.1): per micro-batch and chunk, b·s·h/t activation elements to the next stage and as many
 *   gradient elements back (Megatron's scatter/gather), each boundary crossed v times when interleaved.
 *   With a tied head and p > 1 the last stage keeps a copy of wte; once per step the first and last stage
 *   all-reduce their wte gradients (V·h/t elements, ring of 2: Megatron's embedding group), before the DP sync;
 *   under ZeRO-2/3 after it, once the tied unit's reduced gradient shards are AllGathered over DP.
 *   With t > 1 each received slice is AllGathered over the TP group (b·s·h elements gathered), unless SP
 *   already holds it as the rank's sequence shard.</li>
 * <li>CP: ring attention passes K and V around the cp ranks: (c−1) sends forward, twice that backward.</li>
 * <li>EP ({@link ExpertDispatch}): per MoE layer and micro-batch an AllToAll of k·b·(s/cp)·h elements to the experts'
 *   ranks and one back, twice forward and twice backward, plus what recompute replays; the experts' gradients are
 *   synchronised as above over their dp·cp/ep replicas, the rest of each unit over dp·cp.</li>
 * </ul>
 */
public final class CommModel {
    private CommModel() {}

    public static List<CommOp> stage(Experiment e, ParallelPlan plan, int stage) {
        RankLayout layout = RankLayout.of(plan, e.cluster());
        CollectiveCost cost = new CollectiveCost(e.cluster().nodeTier(), e.cluster().clusterTier());
        List<CommOp> ops = new ArrayList<>();
        dataParallel(ops, e, plan, stage, layout, cost);
        tensorParallel(ops, e, plan, stage, layout, cost);
        pipelineParallel(ops, e, plan, stage, layout, cost);
        contextParallel(ops, e, plan, stage, layout, cost);
        expertParallel(ops, e, plan, stage, layout, cost);
        return ops;
    }

    static void dataParallel(List<CommOp> ops, Experiment e, ParallelPlan plan, int stage, RankLayout layout,
                             CollectiveCost cost) {
        // Gradients are reduced over every replica of a parameter: the dp·cp ranks that share it.
        int n = plan.dp() * plan.cp();
        if (n == 1) return;
        replicas(ops, e, plan, stage, Parameters.stageDenseUnits(e.model(), plan, stage), n, layout.dataSpan(), cost);
        // Expert parallelism: each unit's experts have dp·cp/ep replicas, synchronised over their own group.
        if (plan.ep() > 1 && plan.edp() > 1)
            replicas(ops, e, plan, stage, Parameters.stageExpertUnits(e.model(), plan, stage), plan.edp(), layout.expertDataSpan(), cost);
    }

    /**
     * The DP collectives of {@code units} (elements per unit, 0 for a unit with none here) replicated over a group of n
     * ranks laid as {@code span}.
     */
    static void replicas(List<CommOp> ops, Experiment e, ParallelPlan plan, int stage, long[] units, int n, GroupSpan span,
                         CollectiveCost cost) {
        Precision precision = e.training().precision();
        int m = e.microBatches(plan);
        long shard = 0;
        for (long u : units) shard += Chunking.shard(u, n);
        long padded = shard * n;
        // Gradient collectives move the reduce dtype's width (fp32 under FSDP's reduce_dtype=float32), parameters their own.
        long gradBytes = e.training().gradReduceBytes(), paramBytes = precision.paramBytes();
        long rsBytes = (n - 1) * shard * gradBytes;
        long agBytes = (n - 1) * shard * paramBytes;
        switch (plan.zero()) {
            case DDP -> {
                long total = Parameters.sum(units);
                long bucket = bucketElements(e);
                long sent = Chunking.bucketedAllReduceElements(total, bucket, n) * gradBytes;
                long buckets = Chunking.buckets(total, bucket);
                Transfer each = cost.of(ALL_REDUCE, (double) total * gradBytes / buckets, span);
                ops.add(new CommOp(Axis.DP, ALL_REDUCE, GRADIENT_SYNC, 1, sent, each.times(buckets)));
            }
            case OPTIMIZER -> {
                ops.add(new CommOp(Axis.DP, REDUCE_SCATTER, GRADIENT_SYNC, 1, rsBytes,
                        cost.of(REDUCE_SCATTER, padded * gradBytes, span)));
                ops.add(new CommOp(Axis.DP, ALL_GATHER, AFTER_STEP, 1, agBytes, cost.of(ALL_GATHER, padded * paramBytes, span)));
            }
            case GRADIENTS -> {
                // Per unit, as the step program issues them (program.DataParallelGenerator) and PyTorch FSDP's
                // SHARD_GRAD_OP runs them: each unit's ReduceScatter in every backward, each unit's AllGather after the
                // step, every one paying its own ring latency, (n − 1)·α across hundreds of ranks.
                ops.add(new CommOp(Axis.DP, REDUCE_SCATTER, BACKWARD, m, rsBytes, perUnit(REDUCE_SCATTER, units, n, gradBytes, span, cost)));
                ops.add(new CommOp(Axis.DP, ALL_GATHER, AFTER_STEP, 1, agBytes, perUnit(ALL_GATHER, units, n, paramBytes, span, cost)));
            }
            case PARAMETERS -> {
                // One collective per unit (a layer, as FSDP wraps blocks), or per parameter tensor (DeepSpeed ZeRO-3's
                // per-tensor fetch), each paying its own ring latency: (n − 1)·α per collective, whatever its size.
                boolean perTensor = e.training().zeroGathers() == ZeroGathers.TENSORS;
                int[] tensors = Parameters.stageUnitTensors(e.model(), plan, stage);
                Transfer.Sum gathers = new Transfer.Sum(), scatters = new Transfer.Sum();
                // A unit's costs are reused by the next unit of its size and pieces (a stage's layers).
                Transfer gather = null, scatter = null;
                long lastPadded = -1;
                int lastPieces = -1;
                for (int i = 0; i < units.length; i++) {
                    if (units[i] == 0) continue;
                    long unitPadded = Chunking.shard(units[i], n) * (long) n;
                    int pieces = perTensor ? tensors[i] : 1;
                    if (unitPadded != lastPadded || pieces != lastPieces) {
                        lastPadded = unitPadded;
                        lastPieces = pieces;
                        gather = cost.of(ALL_GATHER, (double) unitPadded * paramBytes / pieces, span).times(pieces);
                        scatter = cost.of(REDUCE_SCATTER, (double) unitPadded * gradBytes / pieces, span).times(pieces);
                    }
                    gathers.add(gather);
                    scatters.add(scatter);
                }
                ops.add(new CommOp(Axis.DP, ALL_GATHER, FORWARD, m, agBytes, gathers.total()));
                ops.add(new CommOp(Axis.DP, ALL_GATHER, BACKWARD, backwardGathers(e) * m, agBytes, gathers.total()));
                ops.add(new CommOp(Axis.DP, REDUCE_SCATTER, BACKWARD, m, rsBytes, scatters.total()));
            }
        }
    }

    /**
     * {@return one collective per unit over the DP group, summed}: each on the unit's padded buffer n·⌈Ψ_u/n⌉ of
     * {@code bytes}-wide elements; a unit's cost is reused by the next unit of its size (a stage's layers)
     */
    static Transfer perUnit(CollectiveKind kind, long[] units, int n, long bytes, GroupSpan span, CollectiveCost cost) {
        Transfer.Sum sum = new Transfer.Sum();
        Transfer each = null;
        long last = -1;
        for (long unit : units) {
            if (unit == 0) continue;
            long padded = Chunking.shard(unit, n) * (long) n;
            if (padded != last) {
                last = padded;
                each = cost.of(kind, (double) padded * bytes, span);
            }
            sum.add(each);
        }
        return sum.total();
    }

    /** {@return DDP's bucket size in gradient elements: ⌊bucketMB·1e6 / gradient bytes⌋} */
    static long bucketElements(Experiment e) {
        return (long) Math.floor(e.training().bucketMB() * 1e6 / e.training().precision().gradBytes());
    }

    /**
     * {@return how many buckets DDP cuts the stage's flat gradient into}: under expert parallelism the dense part's and,
     * when the experts have more than one replica, the experts' own
     */
    public static long ddpBuckets(Experiment e, ParallelPlan plan, int stage) {
        long[] units = Parameters.stageUnits(e.model(), plan, stage);
        if (plan.ep() == 1) return Chunking.buckets(Parameters.sum(units), bucketElements(e));
        long experts = Parameters.sum(Parameters.stageExpertUnits(e.model(), plan, stage));
        return Chunking.buckets(Parameters.sum(units) - experts, bucketElements(e))
                + (plan.edp() > 1 ? Chunking.buckets(experts, bucketElements(e)) : 0);
    }

    /**
     * {@return ZeRO-3 parameter gathers per unit in one micro-batch's backward}: 1, except on demand
     * ({@code training.zeroGathers: tensors}) under full or operator-level recompute (both rerun the layer's modules), 2. A fetched-on-demand tensor is released by its
     * module's post-forward hook, and a checkpointed layer's recompute runs its modules' forward hooks again (DeepSpeed's
     * parameter coordinator sees the recompute as a forward: deepspeedai/DeepSpeed issue #4784, PR #8130), so the
     * recompute gathers a tensor, releases it, and the module's backward gathers it once more: forward, recompute and
     * backward each fetch the weights. FSDP (per unit) gathers a unit once for its backward; the checkpointed block runs
     * its recompute inside that unit's backward, with the unit's parameters still gathered.
     */
    public static int backwardGathers(Experiment e) {
        Recompute r = e.training().recompute();
        return e.training().zeroGathers() == ZeroGathers.TENSORS && (r == Recompute.FULL || r == Recompute.SELECTIVE_OPS) ? 2 : 1;
    }

    static void tensorParallel(List<CommOp> ops, Experiment e, ParallelPlan plan, int stage, RankLayout layout,
                               CollectiveCost cost) {
        int t = plan.tp();
        if (t == 1) return;
        ModelSpec model = e.model();
        GroupSpan span = layout.span(Axis.TP);
        int m = e.microBatches(plan);
        int bytes = e.training().precision().activationBytes();
        long elements = (long) e.training().microBatch() * (model.seqLen() / plan.cp()) * model.hidden();
        long layers = StageSplit.of(model, plan).stageLayers(stage);
        // Forward pairs per layer: the attention and MLP blocks' g operators, repeated under full recompute.
        long forwardPerLayer = e.training().recompute() == Recompute.FULL ? 4 : 2;
        long first = stage == 0 ? 1 : 0, last = stage == plan.pp() - 1 ? 1 : 0;
        if (plan.sequenceParallel()) {
            // SP: each AllReduce becomes ReduceScatter (leaving a block) + AllGather (entering one); backward swaps them.
            long sent = Chunking.ringReduceScatterElements(elements, t) * bytes;
            Transfer ag = cost.of(ALL_GATHER, elements * bytes, span), rs = cost.of(REDUCE_SCATTER, elements * bytes, span);
            ops.add(new CommOp(Axis.TP, ALL_GATHER, FORWARD, m * (layers * forwardPerLayer + last), sent, ag));
            ops.add(new CommOp(Axis.TP, REDUCE_SCATTER, FORWARD, m * (layers * forwardPerLayer + first), sent, rs));
            // qkv and fc1 keep only their local input and AllGather it again for the weight gradient (Korthikanti et al.
            // 2022 §4.2.3; Megatron-LM's sequence-parallel linear backward): 2 more AllGathers per layer.
            ops.add(new CommOp(Axis.TP, ALL_GATHER, BACKWARD, m * (layers * 4 + first), sent, ag));
            ops.add(new CommOp(Axis.TP, REDUCE_SCATTER, BACKWARD, m * (layers * 2 + last), sent, rs));
            // SP leaves the norms' (and GPT's wpe) gradients partial per rank: one sum-AllReduce per step (Korthikanti
            // et al. 2022 §4.2.2).
            int gradBytes = e.training().precision().gradBytes();
            long partialSent = 0, partial = 0;
            for (Parameters.Tensors same : Parameters.sequenceParallelPartialGradSizes(model, layers, first == 1, last == 1)) {
                partialSent += same.count() * (Chunking.ringAllReduceElements(same.elements(), t) * gradBytes);
                partial += same.count() * same.elements();
            }
            // Under ZeRO-2/3 the gradients are reduce-scattered after every micro-batch, so the partial ones are summed
            // over TP before each of those (the shards kept after the step do not line up with the tensors).
            boolean perMicroBatch = shardsGrads(plan);
            ops.add(new CommOp(Axis.TP, ALL_REDUCE, perMicroBatch ? BACKWARD : GRADIENT_SYNC, perMicroBatch ? m : 1, partialSent,
                    cost.of(ALL_REDUCE, partial * gradBytes, span)));
        } else {
            long sent = Chunking.ringAllReduceElements(elements, t) * bytes;
            Transfer ar = cost.of(ALL_REDUCE, elements * bytes, span);
            ops.add(new CommOp(Axis.TP, ALL_REDUCE, FORWARD, m * (layers * forwardPerLayer + first), sent, ar));
            ops.add(new CommOp(Axis.TP, ALL_REDUCE, BACKWARD, m * (layers * 2 + last), sent, ar));
        }
        if (last == 1) {
            // Vocabulary-parallel cross-entropy: AllReduce of the max, the sum of exponentials and the target logit, b·s fp32 each.
            long tokens = (long) e.training().microBatch() * (model.seqLen() / plan.cp());
            ops.add(new CommOp(Axis.TP, ALL_REDUCE, FORWARD, 3L * m, Chunking.ringAllReduceElements(tokens, t) * 4,
                    cost.of(ALL_REDUCE, tokens * 4.0, span)));
        }
    }

    static void pipelineParallel(List<CommOp> ops, Experiment e, ParallelPlan plan, int stage, RankLayout layout,
                                 CollectiveCost cost) {
        int p = plan.pp();
        if (p == 1) return;
        ModelSpec model = e.model();
        int m = e.microBatches(plan), v = plan.chunks();
        long elements = (long) e.training().microBatch() * (model.seqLen() / plan.cp()) * model.hidden() / plan.tp();
        long bytes = elements * e.training().precision().activationBytes();
        // Forward sends leave every stage but the last once per chunk; the last stage's v−1 earlier chunks wrap to stage 0.
        long forwardSends = (long) m * (stage < p - 1 ? v : v - 1);
        long backwardSends = (long) m * (stage > 0 ? v : v - 1);
        boolean nextCrosses = layout.stageBoundaryCrossesNodes(Math.min(stage, p - 2));
        boolean prevCrosses = layout.stageBoundaryCrossesNodes(Math.max(stage - 1, 0));
        if (forwardSends > 0)
            ops.add(new CommOp(Axis.PP, SEND_RECV, FORWARD, forwardSends, bytes, cost.sendRecv(bytes, nextCrosses)));
        if (backwardSends > 0)
            ops.add(new CommOp(Axis.PP, SEND_RECV, BACKWARD, backwardSends, bytes, cost.sendRecv(bytes, prevCrosses)));
        if (plan.tp() > 1 && !plan.sequenceParallel()) {
            // Scatter/gather (Narayanan et al. 2021 §4.1): each received b·s·h/t slice is AllGathered over the TP group;
            // with SP the slice is already the rank's sequence shard (Korthikanti et al. 2022 §4.2.2), no gather.
            long full = (long) e.training().microBatch() * (model.seqLen() / plan.cp()) * model.hidden();
            long forwardRecvs = (long) m * (stage > 0 ? v : v - 1), backwardRecvs = (long) m * (stage < p - 1 ? v : v - 1);
            long gathered = Chunking.ringReduceScatterElements(full, plan.tp()) * e.training().precision().activationBytes();
            Transfer gather = cost.of(ALL_GATHER, full * e.training().precision().activationBytes(), layout.span(Axis.TP));
            if (forwardRecvs > 0) ops.add(new CommOp(Axis.TP, ALL_GATHER, FORWARD, forwardRecvs, gathered, gather));
            if (backwardRecvs > 0) ops.add(new CommOp(Axis.TP, ALL_GATHER, BACKWARD, backwardRecvs, gathered, gather));
        }
        if (model.tiedEmbeddings() && (stage == 0 || stage == p - 1)) {
            // Megatron's embedding group: the two wte copies' gradients, a ring AllReduce of 2 ranks.
            long words = (long) model.vocab() * model.hidden() / plan.tp();
            long gradBytes = e.training().precision().gradBytes();
            boolean crosses = layout.node(layout.rank(0, 0, 0, 0)) != layout.node(layout.rank(0, 0, 0, p - 1));
            GroupSpan pair = crosses ? new GroupSpan(2, 1, 2) : new GroupSpan(2, 2, 1);
            ops.add(new CommOp(Axis.PP, ALL_REDUCE, GRADIENT_SYNC, 1, Chunking.ringAllReduceElements(words, 2) * gradBytes,
                    cost.of(ALL_REDUCE, words * gradBytes, pair)));
            int n = plan.dp() * plan.cp();
            if (shardsGrads(plan) && n > 1) {
                // ZeRO-2/3: the reduced shards of unit 0 (wte + wpe) and of the last stage's final norm + wte copy cover
                // different parts of wte, so the tied unit's gradient is first AllGathered over DP (Megatron-core's
                // finalize_model_grads unshards the FSDP word-embedding gradient the same way), then all-reduced.
                long[] units = Parameters.stageUnits(model, plan, stage);
                long tied = Chunking.shard(stage == 0 ? units[0] : units[units.length - 1], n);
                ops.add(new CommOp(Axis.DP, ALL_GATHER, GRADIENT_SYNC, 1, (n - 1) * tied * gradBytes,
                        cost.of(ALL_GATHER, n * tied * gradBytes, layout.dataSpan())));
            }
        }
    }

    /** {@return whether the plan's gradients are sharded and reduce-scattered after every micro-batch (ZeRO-2 and 3)} */
    private static boolean shardsGrads(ParallelPlan plan) {
        return plan.zero() == dev.parasim.spec.ZeroStage.GRADIENTS || plan.zero() == dev.parasim.spec.ZeroStage.PARAMETERS;
    }

    static void contextParallel(List<CommOp> ops, Experiment e, ParallelPlan plan, int stage, RankLayout layout,
                                CollectiveCost cost) {
        int c = plan.cp();
        if (c == 1) return;
        ModelSpec model = e.model();
        int m = e.microBatches(plan);
        long layers = StageSplit.of(model, plan).stageLayers(stage);
        long kv = 2L * e.training().microBatch() * (model.seqLen() / c) * (long) model.kvWidthPerRank(plan.tp());
        long bytes = kv * e.training().precision().activationBytes();
        Transfer hop = cost.sendRecv(bytes, layout.span(Axis.CP).crossesNodes());
        ops.add(new CommOp(Axis.CP, SEND_RECV, FORWARD, m * layers * (c - 1), bytes, hop));
        ops.add(new CommOp(Axis.CP, SEND_RECV, BACKWARD, 2L * m * layers * (c - 1), bytes, hop));
    }

    static void expertParallel(List<CommOp> ops, Experiment e, ParallelPlan plan, int stage, RankLayout layout,
                               CollectiveCost cost) {
        int ep = plan.ep();
        if (ep == 1) return;
        ModelSpec model = e.model();
        long m = e.microBatches(plan), layers = StageSplit.of(model, plan).stageLayers(stage);
        long elements = ExpertDispatch.elements(model, (long) e.training().microBatch() * (model.seqLen() / plan.cp()));
        int bytes = e.training().precision().activationBytes();
        long sent = (ep - 1) * Chunking.shard(elements, ep) * bytes;
        Transfer each = cost.of(ALL_TO_ALL, (double) elements * bytes, layout.span(Axis.EP));
        int backward = ExpertDispatch.backwardPerLayer(e.training().recompute());
        ops.add(new CommOp(Axis.EP, ALL_TO_ALL, FORWARD, m * layers * ExpertDispatch.FORWARD_PER_LAYER, sent, each));
        ops.add(new CommOp(Axis.EP, ALL_TO_ALL, BACKWARD, m * layers * backward, sent, each));
    }

    /** {@return the exact bytes of every op, summed by collective and by tier} */
    public static CommVolume volume(Experiment e, List<CommOp> ops) {
        List<String> tiers = new ArrayList<>(e.cluster().tiers().size());
        for (dev.parasim.spec.LinkTier tier : e.cluster().tiers()) tiers.add(tier.name());
        return CommVolume.of(ops, tiers);
    }
}

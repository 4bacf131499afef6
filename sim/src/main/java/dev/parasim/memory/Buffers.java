package dev.parasim.memory;

import dev.parasim.collective.Chunking;
import dev.parasim.program.schedule.PipelineOrder;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.Precision;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.ZeroStage;
import dev.parasim.workload.Parameters;

/**
 * Transient communication buffers a rank of one pipeline stage holds at its memory peak, beyond its model states and
 * activations ({@code MemoryBreakdown.otherBytes}). A step peaks either in a pass, on top of the stage's activation peak,
 * or in the data-parallel sync after the last backward, when no activations are left; the stage holds the larger.
 * <ul>
 * <li>Forward at the peak (b micro-batch, s the rank's share of the sequence — s/cp under context parallelism, as every
 *     activation term counts it —, h hidden, t TP degree, at the activation width): without TP the
 *     pipeline boundary buffers, the received input (every virtual stage but the first) and the sent output (every one
 *     but the last), b·s·h each (Megatron's p2p receive tensor and the output in flight). With TP the stage's TP
 *     workspace, b·s·h for the reduced activation (another b·s·h for SP's re-gathered input) and 2·b·s fp32 for the
 *     cross-entropy's fused sums, plus the two ring chunks (one sent, one received) of the collective running at the
 *     peak: on the last stage the cross-entropy sums, ⌈2·b·s/t⌉ fp32 each, else the last layer's output reduction,
 *     ⌈b·s·h/t⌉ each (Megatron's TP collectives reduce a b·s·h tensor that exists beside the kept activations).
 *     On the last stage an out-of-place cross-entropy's backward ({@link Activations#crossEntropyBackward}) holds its
 *     two gradients at the stage's activation peak, in place of the boundaries or ring chunks when larger: for pp = 1
 *     and GPipe's and 1F1B's last stage that is when the head's first backward starts; an interleaved or ZB-H1 last
 *     stage may peak elsewhere (other chunks in flight, W's inputs pending), so it is an upper bound there, where the
 *     ZeRO-2/3 walks place it at the head's backward.</li>
 * <li>ZeRO-2 and 3, unit by unit as PyTorch FSDP with one wrapped unit per layer does (DeepSpeed's gradient buckets
 *     likewise): a unit's backward adds into its transient padded gradient, n·⌈Ψ_u/n⌉, until its ReduceScatter; under
 *     ZeRO-3 it also holds the unit's gathered parameters and the AllGather's last received chunk, ⌈Ψ_u/n⌉. Under PP
 *     without TP (pp = 1 included, a one-stage pipeline) each pass walks its units from what the stage holds when it
 *     starts ({@link PipelineUnitBuffers}); with TP, pp = 1 included, each pass walks its TP phases
 *     ({@link TpUnitBuffers}).</li>
 * <li>Sync: DDP's gradient buckets (PyTorch DDP's bucket copy of the gradient, each bucket padded to the group size n)
 *     with two ring chunks per bucket in flight, or one beside the last backward's sent input gradient when that holds
 *     more ({@link #sentBesideBuckets}); ZeRO-1 and 2 the ring chunks of the gradient ReduceScatter and of the
 *     parameter AllGather, ⌈Ψ_u/n⌉ per unit.</li>
 * </ul>
 * These are the buffers the executor meters (its sends and receives, {@code tpx}/{@code tpl}/{@code tpy}, {@code gt},
 * {@code pg} and {@code bk}): every stage of every executed plan peaks at exactly model states + activations + this,
 * ZeRO-2/3 under PP and TP included.
 */
public final class Buffers {
    private Buffers() {}

    /** {@return the buffer bytes stage {@code stage} holds at its peak beyond its activation peak {@code activations}} */
    public static long atPeak(Experiment e, ParallelPlan plan, int stage, long activations) {
        long inPass = inPass(e, plan, stage, activations) - activations;
        return Math.max(0, Math.max(inPass, inSync(e, plan, stage) - activations));
    }

    /** {@return the most activation plus buffer bytes the stage holds within a pass} */
    static long inPass(Experiment e, ParallelPlan plan, int stage, long activations) {
        ModelSpec m = e.model();
        int p = plan.pp(), t = plan.tp();
        if (plan.zero() == ZeroStage.GRADIENTS || plan.zero() == ZeroStage.PARAMETERS) {
            long[] units = Parameters.stageUnits(m, plan, stage);   // ZeRO-2/3: walked unit by unit, as executed
            return t == 1 ? PipelineUnitBuffers.inPass(e, plan, stage, units) : TpUnitBuffers.inPass(e, plan, stage, units);
        }
        Precision precision = e.training().precision();
        // A rank holds its own b·s/cp tokens (context parallelism splits the sequence).
        long tokens = (long) e.training().microBatch() * (m.seqLen() / plan.cp()), activation = tokens * m.hidden() * precision.activationBytes();
        // An out-of-place cross-entropy's backward, on the last stage, counted at its activation peak.
        long loss = stage == p - 1
                ? Math.round(Activations.crossEntropyBackward(m, plan, e.training().microBatch(), e.training().crossEntropy())) : 0;
        // Context parallelism: a layer's attention holds ring attention's K/V blocks (ContextParallelRing), counted at the
        // activation peak, the more of either pass's: a bound, by what the layer frees before its attention runs.
        int b = e.training().microBatch(), aB = precision.activationBytes();
        long cpRing = Math.round(ContextParallelRing.most(m, plan, b, aB));
        if (t == 1) {
            if (e.training().recompute() != Recompute.FULL)
                return activations + Math.max(boundaries(e, plan, stage, activation), loss) + cpRing;
            // Full recompute: a forward's boundaries over the activations between passes, or a backward's replayed layer
            // over what the stage holds then, with the output gradient it received.
            long between = Math.round(Activations.betweenPasses(m, plan, b, e.microBatches(plan), Recompute.FULL, aB, stage));
            return Math.max(between + Math.max(boundaries(e, plan, stage, activation), loss),
                    Math.round(LayerReplay.whileReplaying(m, plan, b, e.microBatches(plan), aB, stage, true))) + cpRing;
        }
        long workspace = activation * (plan.sequenceParallel() ? 2 : 1) + 2 * tokens * 4;
        long ring = stage == p - 1 ? 2 * Chunking.shard(2 * tokens, t) * 4
                : 2 * Chunking.shard(tokens * m.hidden(), t) * precision.activationBytes();
        return activations + workspace + Math.max(ring, loss) + cpRing;
    }

    /**
     * {@return without TP, activations plus boundary buffers at the pass that peaks}: one chunk per stage, its received
     * input and sent output; interleaved, over the moments its order can peak ({@link PipelineOrder#inFlightPeaks}),
     * the held chunks plus the boundaries of the chunk whose forward reached them
     */
    private static long boundaries(Experiment e, ParallelPlan plan, int stage, long activation) {
        int p = plan.pp(), v = plan.chunks();
        if (p == 1) return 0;
        if (v == 1) return activation * ((stage > 0 ? 1 : 0) + (stage < p - 1 ? 1 : 0));
        ModelSpec m = e.model();
        double[] bytes = new double[v];
        for (int c = 0; c < v; c++)
            bytes[c] = Activations.chunkBytes(m, plan, e.training().microBatch(), e.training().recompute(),
                    e.training().precision().activationBytes(), c * p + stage);
        long peak = 0, held = 0;
        for (int[] inFlight : PipelineOrder.inFlightPeaks(plan.schedule(), p, e.microBatches(plan), v).get(stage)) {
            double sum = 0;
            for (int c = 0; c < v; c++) sum += inFlight[c] * bytes[c];
            int virtual = inFlight[v] * p + stage;
            long boundary = activation * ((virtual > 0 ? 1 : 0) + (virtual < v * p - 1 ? 1 : 0));
            peak = Math.max(peak, Math.round(sum) + boundary);
            held = Math.max(held, Math.round(sum));
        }
        return peak - held;
    }

    /**
     * {@return the buffer bytes the stage holds in its data-parallel sync, when it holds no activations}; under expert
     * parallelism the experts' sync over their dp·cp/ep replicas adds its own buckets or chunks
     */
    static long inSync(Experiment e, ParallelPlan plan, int stage) {
        long dense = inSync(e, plan, Parameters.stageDenseUnits(e.model(), plan, stage), plan.dp() * plan.cp());
        // Experts without another replica (edp = 1) have no sync.
        long sync = plan.ep() > 1 && plan.edp() > 1 ? dense + inSync(e, plan, Parameters.stageExpertUnits(e.model(), plan, stage), plan.edp())
                : dense;
        return sync + sentBesideBuckets(e, plan, stage);
    }

    /**
     * {@return what DDP's sync holds beyond its buckets and ring chunks when the stage's last backward sent an input
     * gradient}: b·s·h (its slice, b·s·h/t, under TP) is still in flight while the buckets are staged and the ring's
     * first round sends its chunk c; from the second round, with the send done, the ring holds 2c. So the sync holds the
     * buckets and the larger of c + sent and 2c. A stage's last pass sends nothing on the first stage, nor under ZB-H1
     * (a W); the last stage all-reduces a tied embedding's gradient first, by when its send is done; ZeRO's syncs stage
     * no buckets.
     */
    private static long sentBesideBuckets(Experiment e, ParallelPlan plan, int stage) {
        if (plan.zero() != ZeroStage.DDP || stage == 0 || plan.schedule() == dev.parasim.spec.PipelineSchedule.ZB_H1
                || stage == plan.pp() - 1 && e.model().tiedEmbeddings()) return 0;
        long tokens = (long) e.training().microBatch() * (e.model().seqLen() / plan.cp());
        long sent = Chunking.shard(tokens * e.model().hidden(), plan.tp()) * e.training().precision().activationBytes();
        return Math.max(0, sent - ddpRingChunk(e, Parameters.stageDenseUnits(e.model(), plan, stage), plan.dp() * plan.cp()));
    }

    /** {@return one ring chunk of DDP's bucketed AllReduce of {@code units} over n ranks, every bucket's, in gradient bytes} */
    private static long ddpRingChunk(Experiment e, long[] units, int n) {
        if (n == 1) return 0;
        long total = Parameters.sum(units), bucket = (long) Math.floor(e.training().bucketMB() * 1e6 / e.training().precision().gradBytes());
        return (total / bucket * Chunking.shard(bucket, n) + Chunking.shard(total % bucket, n)) * e.training().precision().gradBytes();
    }

    /** {@return the sync buffers of {@code units} replicated over n ranks} */
    private static long inSync(Experiment e, ParallelPlan plan, long[] units, int n) {
        Precision precision = e.training().precision();
        long shards = 0;
        for (long u : units) shards += Chunking.shard(u, n);
        return switch (plan.zero()) {
            case DDP -> {
                long total = Parameters.sum(units), bucket = (long) Math.floor(e.training().bucketMB() * 1e6 / precision.gradBytes());
                // ⌊total/bucket⌋ full buckets and the rest (integers: the same as adding bucket by bucket).
                long full = total / bucket, rest = total % bucket;
                long staged = full * Chunking.padded(bucket, n) + Chunking.padded(rest, n);
                long chunks = full * Chunking.shard(bucket, n) + Chunking.shard(rest, n);
                yield (staged + ringChunksInFlight(2 * (n - 1)) * chunks) * precision.gradBytes();
            }
            case OPTIMIZER, GRADIENTS -> ringChunksInFlight(n - 1) * shards
                    * Math.max(precision.paramBytes(), plan.zero() == ZeroStage.OPTIMIZER ? precision.gradBytes() : 0);
            case PARAMETERS -> 0;
        };
    }

    /**
     * {@return ring chunks one rank holds at once in a collective of {@code rounds} sending rounds}: the chunk it
     * received and the one it sends in the same round, from the second round on (one, with a single sending round)
     */
    static int ringChunksInFlight(int rounds) {
        return Math.min(rounds, 2);
    }

}

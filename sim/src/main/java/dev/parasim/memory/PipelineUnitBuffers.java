package dev.parasim.memory;

import dev.parasim.collective.Chunking;
import dev.parasim.program.schedule.PipelineOrder;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.Precision;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.ZeroGathers;
import dev.parasim.spec.ZeroStage;
import dev.parasim.workload.Parameters;
import dev.parasim.workload.StageSplit;

/**
 * ZeRO-2/3 on a pipeline stage without TP (pp = 1 included), unit by unit as PyTorch FSDP with one wrapped unit per layer (the executor's
 * {@code exec.ZeroPasses}): the most activation plus buffer bytes a pass holds. Each pass starts from what the stage holds
 * then ({@link PipelineOrder#passStarts}: M_B per micro-batch chunk awaiting its B, M_W per one awaiting its W) and walks
 * its chunk's units, in forward order for F, in reverse for B, BW and W. Unit u (Ψ_u elements, c_u = ⌈Ψ_u/n⌉,
 * P_u = n·c_u) holds, with k = min(n − 1, 2) ring chunks in flight in a collective's middle rounds (s: the rank's share
 * of the sequence, s/cp):
 * <ul>
 * <li>F under ZeRO-3: its gathered parameters P_u and the AllGather's chunks, k·c_u before its forward, the last received
 *     c_u with its forward's activations; after the last unit, the output sent (b·s·h). ZeRO-2's F runs whole: input
 *     received, all units' activations and output sent.</li>
 * <li>BW: its padded gradient P_u over the activations before its backward (ZeRO-3: with P_u gathered and c_u received),
 *     then over those after it with the ReduceScatter's k·c_u in flight; the output gradient received before the first
 *     unit, the input gradient sent after the last.</li>
 * <li>B (ZB-H1): ZeRO-3 gathers as F, over activations that trade the unit's M_B share for its M_W share; ZeRO-2's B runs whole.</li>
 * <li>W (ZB-H1): as BW's gradient and ReduceScatter, over the activations less each unit's M_W share as its W runs.</li>
 * </ul>
 * A unit's backward frees its share of M_B: a layer its Korthikanti bytes and norm statistics; the head's unit (final norm
 * and wte copy) the softmax, then the final norm's output and statistics (an out-of-place cross-entropy's backward first
 * holds its two gradients beside the gathered unit); the embedding its output; the chunk's received
 * input goes at the end of a BW, at its first layer's B. A chunk's units are walked once per pass kind, from the start
 * holding the most ({@link HighestStarts}).
 * <p>
 * A stage holding the whole model (pp = 1, run as a one-stage 1F1B pipeline whatever the plan's schedule) with a tied
 * head reads unit 0 in the head, so unit 0 is gathered twice per micro-batch as every unit is, but held longer: its
 * forward keeps it gathered from the embedding to the head (PyTorch FSDP likewise does not reshard the root unit, which
 * holds a tied embedding, between its uses); its backward gathers it with the final norm's unit for the head's
 * backward and keeps its padded gradient, opened there, beside every layer's until the embedding's backward (which
 * gathers nothing: it needs no parameters) reduces it.
 */
final class PipelineUnitBuffers {
    private PipelineUnitBuffers() {}

    /** {@return the most activation plus buffer bytes a pass of stage {@code stage} holds, its local units {@code units}} */
    static long inPass(Experiment e, ParallelPlan plan, int stage, long[] units) {
        ModelSpec m = e.model();
        Precision precision = e.training().precision();
        int b = e.training().microBatch(), p = plan.pp(), v = plan.chunks(), n = plan.dp() * plan.cp(), aB = precision.activationBytes();
        // Under expert parallelism a layer's experts (experts[i] of unit i) have ne = dp·cp/ep replicas: gathered, padded and
        // reduced over those, or (ne = 1) never gathered nor reduced at all; none when ep = 1.
        long[] experts = plan.ep() > 1 ? Parameters.stageExpertUnits(m, plan, stage) : null;   // no array a dense plan
        // ZeRO-3 gathering tensor by tensor (DeepSpeed's way) holds one tensor gathered, and its gradient, at a time: the
        // unit's largest stands for it (ep = 1: the spec refuses per-tensor gathers of split experts).
        long[] gatheredAtOnce = plan.zero() == ZeroStage.PARAMETERS && e.training().zeroGathers() == ZeroGathers.TENSORS
                ? Parameters.stageUnitLargestTensors(m, plan, stage) : units;
        int ne = plan.edp();
        // One stage runs its micro-batches one after the other (1F1B), whatever the plan's schedule says.
        PipelineSchedule schedule = p == 1 ? PipelineSchedule.ONE_F_ONE_B : plan.schedule();
        boolean zero3 = plan.zero() == ZeroStage.PARAMETERS, zb = schedule == PipelineSchedule.ZB_H1;
        // The whole model on one stage with a tied head: the head reads unit 0 (see the class comment).
        boolean tied = p * v == 1 && m.tiedEmbeddings();
        double tiedParams = tied ? Chunking.padded(gatheredAtOnce[0], n) * (double) precision.paramBytes() : 0;
        double tiedGrad = tied ? Chunking.padded(gatheredAtOnce[0], n) * (double) precision.gradBytes() : 0;
        // A rank holds its own b·s/cp tokens (context parallelism splits the sequence), as Activations counts them.
        double sb = (double) m.seqLen() / plan.cp() * b, io = aB * sb * m.hidden();
        double layer = Activations.perLayer(m, plan, b, e.training().recompute(), aB)
                + Activations.normStatistics(m, plan, b, e.training().recompute());
        double softmax = Activations.FP32_BYTES * sb * m.vocab();
        double loss = Activations.crossEntropyBackward(m, plan, b, e.training().crossEntropy());
        double norm = io + Activations.FP32_BYTES * m.normStatistics() * sb;
        double embedding = io + (m.dropout() ? Activations.MASK_BYTES * sb * m.hidden() : 0);
        double layerW = Activations.weightGradInputsPerLayer(m, plan, b, aB);
        // Full recompute: a layer's backward (B or BW) first replays its forward, holding its saved tensors again.
        double replay = e.training().recompute() == Recompute.FULL ? LayerReplay.replayBytes(m, plan, b, aB) : 0;
        // Context parallelism: ring attention's K/V blocks while a layer's attention runs, forward and backward.
        double cpForward = ContextParallelRing.forward(m, plan, b, aB), cpBackward = ContextParallelRing.backward(m, plan, b, aB);
        StageSplit stageSplit = StageSplit.of(m, plan);
        double[] mB = new double[v], mW = new double[v];
        for (int c = 0; c < v; c++) {
            mB[c] = Activations.chunkBytes(m, plan, b, e.training().recompute(), aB, c * p + stage);
            mW[c] = zb ? Activations.chunkWeightGradBytes(m, plan, b, aB, c * p + stage) : 0;
        }
        double peak = 0;
        double[] highest = HighestStarts.of(PipelineOrder.passStarts(schedule, p, e.microBatches(plan), v).get(stage), mB, mW);
        for (int at = 0; at < highest.length; at++) {
            double held = highest[at];
            if (Double.isNaN(held)) continue;
            int c = at / 3, kind = at % 3, virtual = c * p + stage;
            boolean first = virtual == 0, last = virtual == p * v - 1;
            double in = kind == 2 || (kind == 0 ? first : last) ? 0 : io, out = kind == 2 || (kind == 0 ? last : first) ? 0 : io;
            // The chunk's units in forward order: [embedding], layers, [final norm with the head]; bytes: elements, freed (M_B share), M_W share.
            int perChunk = stageSplit.layers(virtual), count = perChunk + (first ? 1 : 0) + (last ? 1 : 0);
            long[] size = new long[count], xsize = new long[count];
            double[] share = new double[count], deferred = new double[count];
            int i = 0;
            if (first) { size[i] = gatheredAtOnce[0]; share[i++] = embedding; }
            for (int l = 0; l < perChunk; l++) {
                xsize[i] = experts == null ? 0 : experts[stage == 0 ? 1 : 0];
                size[i] = gatheredAtOnce[stage == 0 ? 1 : 0] - xsize[i];
                share[i] = layer + (l == 0 && !first && kind == 1 && zb ? io : 0);   // B frees the received input at once
                deferred[i++] = layerW;
            }
            if (last) {
                size[i] = gatheredAtOnce[gatheredAtOnce.length - 1];
                share[i] = softmax + norm;
                deferred[i] = Activations.weightGradEdges(m, plan, b, aB, virtual);
            }
            if (kind == 0) {
                // After F: its start is what the stage held before it, plus the received input.
                if (!zero3) { peak = Math.max(peak, held + in + out + cpForward); continue; }
                double acts = held - mB[c] + in;
                peak = Math.max(peak, acts + in);   // the received input, as a message and as the chunk's first activation
                for (int u = 0; u < count; u++) {
                    double kept = u > 0 ? tiedParams : 0;   // unit 0, gathered from the embedding to the head
                    peak = Math.max(peak, acts + kept + gathered(size[u], xsize[u], n, ne, precision, true));
                    acts += share[u];
                    double ring = (first && u == 0) || (last && u == count - 1) ? 0 : cpForward;   // a layer's attention
                    peak = Math.max(peak, acts + kept + ring + gathered(size[u], xsize[u], n, ne, precision, false));
                }
                peak = Math.max(peak, acts + out);
                continue;
            }
            boolean w = kind == 2, split = zb && kind == 1;
            if (split && !zero3) {   // ZeRO-2's B runs whole: received output gradient, then the sent input gradient
                peak = Math.max(peak, held + in + (last ? loss : 0));   // the head's B starts with the loss's backward
                peak = Math.max(peak, held + in - (last ? share[count - 1] : 0) + cpBackward);   // its last layer's attention
                // Its last replayed layer: the head's share (last virtual stage) freed, the other layers' M_W shares kept.
                if (replay > 0) peak = Math.max(peak, held + in + LayerReplay.transientBytes(m, plan, b, aB, virtual, true) + cpBackward);
                peak = Math.max(peak, held - mB[c] + mW[c] + in + out);
                continue;
            }
            double acts = held;
            peak = Math.max(peak, acts + in);
            for (int u = count - 1; u >= 0; u--) {
                double before = acts;
                acts = w ? acts - deferred[u] : split ? acts - share[u] + deferred[u] : acts - share[u];
                // The dense part's and the experts' transient gradients; their reduce-scatters run one after the other.
                long padded = Chunking.padded(size[u], n) + (ne > 1 ? Chunking.padded(xsize[u], ne) : 0);
                long chunk = inFlight(size[u], xsize[u], n, ne, false), middleChunks = inFlight(size[u], xsize[u], n, ne, true);
                // With a tied head on one stage the head's unit gathers unit 0 with its own, and unit 0's gradient is open
                // from the head's backward to the embedding's, which gathers nothing.
                boolean opensTied = tied && u == count - 1, closesTied = tied && u == 0;
                long tiedChunk = opensTied && n > 1 ? Chunking.shard(gatheredAtOnce[0], n) : 0;
                double params = closesTied ? 0 : gathered(size[u], xsize[u], n, ne, precision, false) + (opensTied ? tiedParams : 0)
                        + tiedChunk * (double) precision.paramBytes();
                double lastChunk = closesTied ? 0 : (chunk + tiedChunk) * (double) precision.paramBytes();
                // The head's unit starts with the cross-entropy's backward: an out-of-place one holds its two gradients.
                if (last && u == count - 1 && !w) peak = Math.max(peak, before + (zero3 ? params : 0) + loss);
                boolean layerUnit = !(first && u == 0) && !(last && u == count - 1);
                // On top of what the unit holds before its backward: its replay, and ring attention's blocks.
                double replayed = w || !layerUnit ? 0 : replay + cpBackward;
                if (split) {
                    peak = Math.max(peak, before + gathered(size[u], xsize[u], n, ne, precision, true));
                    if (replayed > 0) peak = Math.max(peak, before + replayed + gathered(size[u], xsize[u], n, ne, precision, false));
                    peak = Math.max(peak, acts + gathered(size[u], xsize[u], n, ne, precision, false));
                    continue;
                }
                double gradient = padded * precision.gradBytes() + (u > 0 ? tiedGrad : 0);
                peak = Math.max(peak, before + replayed + gradient + (zero3 && !w ? params : 0));
                peak = Math.max(peak, acts + gradient + middleChunks * precision.gradBytes());
                if (zero3 && !w) peak = Math.max(peak, acts + gradient + lastChunk + chunk * precision.gradBytes());
            }
            if (!w) peak = Math.max(peak, acts + out);
        }
        return Math.round(peak);
    }

    /**
     * {@return a unit's gathered parameters P_u and the ring chunks c_u of its AllGather in flight, in parameter bytes}: in a
     * middle round ({@code middle}, {@link #ringChunks}) or the last received one; under expert parallelism the dense part
     * {@code size} over n and the experts {@code experts} over their ne replicas, gathered one after the other (the larger
     * chunk in flight), or not at all when ne = 1
     */
    private static double gathered(long size, long experts, int n, int ne, Precision precision, boolean middle) {
        long params = Chunking.padded(size, n) + (ne > 1 ? Chunking.padded(experts, ne) : 0);
        return (params + inFlight(size, experts, n, ne, middle)) * (double) precision.paramBytes();
    }

    /**
     * {@return elements of ring chunks a unit's collective holds}: in a middle round ({@link #ringChunks}) or the last
     * received one, of the dense part's ring over n or the experts' over ne, whichever holds more (they run one after
     * the other; none for a ring of one)
     */
    private static long inFlight(long size, long experts, int n, int ne, boolean middle) {
        long dense = (middle ? ringChunks(n) : Math.min(1, n - 1)) * (n > 1 ? Chunking.shard(size, n) : 0);
        long expert = ne > 1 ? (middle ? ringChunks(ne) : 1) * Chunking.shard(experts, ne) : 0;
        return Math.max(dense, expert);
    }

    /** {@return ring chunks a rank holds in a collective's middle rounds, n ranks (none alone)} */
    private static int ringChunks(int n) {
        return n > 1 ? Buffers.ringChunksInFlight(n - 1) : 0;
    }
}

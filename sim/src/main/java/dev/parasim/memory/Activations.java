package dev.parasim.memory;

import dev.parasim.program.schedule.PipelineOrder;
import dev.parasim.spec.CrossEntropy;
import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.Recompute;
import dev.parasim.workload.StageSplit;

/**
 * Activation memory: the tensors a micro-batch keeps from its forward to its backward. Per layer, Korthikanti
 * et al. 2022 (arXiv:2205.05198) eq. 1 and Table 2, generalised to GQA, SwiGLU and context parallelism, with or
 * without dropout, plus the norms' statistics the paper neglects; per model chunk, the edge terms around the
 * layers (the chunk's output, the embedding's dropout mask, the final norm and the fp32 softmax of the
 * cross-entropy); per pipeline stage, the chunks each schedule keeps in flight — and under ZB-H1 what each
 * micro-batch keeps from its B to its deferred W (Qi et al. 2024's M_W: the linear layers' inputs and output
 * gradients, and the head's). Tensors of the activation type
 * take {@code activationBytes} per element (2 for 16-bit, 4 for fp32), dropout masks 1 B, norm statistics and
 * the softmax fp32 (4 B) whatever the precision, as mixed-precision frameworks keep them.
 */
public final class Activations {
    /** A dropout mask element (a bool tensor). */
    static final int MASK_BYTES = 1;
    /** A norm statistic (mean, 1/σ) or a softmax probability of the cross-entropy: fp32 in mixed precision too. */
    static final int FP32_BYTES = 4;

    private Activations() {}

    /**
     * {@return bytes one layer keeps for one micro-batch on one GPU}, Korthikanti Table 2 in elements: the two norm
     * inputs and the two column-parallel inputs, 4·s·b·h (/t with SP); Q, K, V and the projection input
     * s·b·(2h + 2·kvWidth)/t; the MLP's 2f (GeLU: fc1 output, fc2 input) or 3f (SwiGLU) per token /t; the softmax
     * output a·s²·b/t — each at {@code activationBytes}. Dropout adds the two residual masks 2·s·b·h (/t with SP)
     * and the attention mask at 1 B plus the dropped probabilities a·s²·b/t: at 2 B that is s·b·h·(34 + 5as/h)
     * without parallelism. Selective recompute drops the a·s²·b terms; full recompute keeps only the layer input
     * s·b·h (/t with SP). With {@code model.attention: flash} no a·s²·b term is kept at all (scores, softmax, dropout
     * mask and dropped probabilities vanish; the mask is regenerated from the RNG seed): the kernel keeps its output
     * (the projection input, already counted) and the logsumexp statistics, a·s·b/t fp32 values (none under selective
     * recompute, which reruns the kernel). Norm statistics are {@link #normStatistics}. The operator-level recompute
     * keeps {@link #opKeptPerLayer}. An MoE layer keeps its k experts' MLP terms and {@link #moeDispatch}, per padded
     * slot when the experts have a capacity ({@code Moe#slotsPerToken}).
     */
    public static double perLayer(ModelSpec m, ParallelPlan plan, int microBatch, Recompute recompute, int activationBytes) {
        double t = plan.tp(), replicated = replicatedDivisor(plan);
        double sLocal = (double) m.seqLen() / plan.cp();
        double sb = sLocal * microBatch, h = m.hidden();
        if (recompute == Recompute.FULL) return activationBytes * sb * h / replicated;
        if (recompute == Recompute.SELECTIVE_OPS) return opKeptPerLayer(m, plan, microBatch, activationBytes);
        double mlp = m.moe().slotsPerToken() * (m.mlp() == MlpKind.SWIGLU ? 3.0 : 2.0) * m.ffnHidden();
        double bytes = activationBytes * sb * (4 * h / replicated + (2 * h + mlp) / t + 2.0 * m.kvWidthPerRank(plan.tp()));
        bytes += moeDispatch(m, plan, microBatch, activationBytes);
        if (m.dropout()) bytes += MASK_BYTES * 2 * sb * h / replicated;
        if (recompute == Recompute.NONE && m.flashAttention()) {
            // FlashAttention keeps no a·s² tensor, only the softmax's logsumexp: one fp32 per head per query (Dao 2023 §3.1).
            bytes += FP32_BYTES * m.heads() * sLocal * microBatch / t;
        } else if (recompute == Recompute.NONE) {
            double scores = m.heads() * sLocal * m.seqLen() * microBatch / t;
            bytes += activationBytes * scores;
            if (m.dropout()) bytes += (MASK_BYTES + activationBytes) * scores;
        }
        return bytes;
    }

    /**
     * {@return bytes an MoE layer keeps beyond a dense one's terms (with the MLP's k-fold), one micro-batch on one GPU}:
     * the experts' inputs are the k copies of each token the dispatch permuted, (k − 1)·h more than the one MLP input
     * counted; the combine, which weights each expert's output by its router probability, keeps the k outputs, k·h; the
     * router keeps its softmax over the E experts, fp32 (all s·b, /t with SP, as the norms' inputs). None for a dense layer.
     */
    static double moeDispatch(ModelSpec m, ParallelPlan plan, int microBatch, int activationBytes) {
        if (!m.isMoe()) return 0;
        double sb = (double) m.seqLen() / plan.cp() * microBatch, k = m.moe().slotsPerToken();
        return sb * (activationBytes * (2 * k - 1) * m.hidden() + FP32_BYTES * m.moe().experts()) / replicatedDivisor(plan);
    }

    /**
     * {@return bytes one layer keeps for one micro-batch on one GPU under the operator-level recompute}
     * ({@code selective-ops}, torchtitan's op policy): the layer's input, s·b·h (/t with SP), and the outputs of the
     * ops the policy saves: every other GEMM in forward order from the first (GPT: qkv, (h + 2·kvWidth)/t, and fc1,
     * f/t; SwiGLU: q, h/t, v, kvWidth/t, gate, f/t, and down, whose output is the whole-width h, a partial sum under
     * TP) and a flash kernel's output, h/t, with its logsumexp, a·s·b/t fp32 (an eager core keeps nothing: its batched
     * GEMMs run again). Norms, activations, rotary embeddings and dropout are recomputed, so no statistic or mask is
     * kept. At 2 B, no parallelism, GPT (f = 4h, flash): 2·(1 + 3 + 4 + 1) = 18·s·b·h per layer and the logsumexp.
     */
    static double opKeptPerLayer(ModelSpec m, ParallelPlan plan, int microBatch, int activationBytes) {
        double t = plan.tp(), sLocal = (double) m.seqLen() / plan.cp();
        double sb = sLocal * microBatch, h = m.hidden(), f = m.moe().slotsPerToken() * m.ffnHidden();
        double kv = m.kvWidthPerRank(plan.tp());
        // An MoE layer's k experts each keep their kept GEMMs' outputs (f·k; SwiGLU's down output k·h), per slot if capped.
        double down = m.moe().slotsPerToken() * h;
        double gemmOutputs = m.mlp() == MlpKind.SWIGLU ? h / t + kv + f / t + down : h / t + 2 * kv + f / t;
        double elements = h / replicatedDivisor(plan) + gemmOutputs + (m.flashAttention() ? h / t : 0);
        double statistics = m.flashAttention() ? FP32_BYTES * m.heads() * sb / t : 0;
        return activationBytes * sb * elements + statistics;
    }

    /**
     * {@return bytes of one layer's norm statistics for one micro-batch}: two norms, each {@link ModelSpec#normStatistics}
     * fp32 values per token (LayerNorm's mean and 1/σ, RMSNorm's 1/rms), s·b (/t with SP) tokens; none under full
     * recompute, nor under the operator-level one (it recomputes the norms). Korthikanti et al. neglect them; a small
     * model's activations are not exact without them.
     */
    public static double normStatistics(ModelSpec m, ParallelPlan plan, int microBatch, Recompute recompute) {
        if (recompute == Recompute.FULL || recompute == Recompute.SELECTIVE_OPS) return 0;
        double sb = (double) m.seqLen() / plan.cp() * microBatch;
        return FP32_BYTES * 2.0 * m.normStatistics() * sb / replicatedDivisor(plan);
    }

    /**
     * {@return bytes around the layers of one micro-batch of virtual stage {@code virtual} (0 … p·v − 1)}, whatever
     * the recompute mode (Megatron recomputes transformer layers only):
     * <ul>
     * <li>every chunk: its output, s·b·h (/t with SP) — kept to the chunk's backward (on the last chunk it is the
     *   final norm's input);</li>
     * <li>first chunk, with dropout: the embedding dropout's mask, s·b·h (/t with SP) at 1 B;</li>
     * <li>last chunk: the final norm's output s·b·h (/t with SP) and statistics; under SP also the head's input
     *   gathered for its weight gradient, s·b·h (the backward does not gather it again, as analytic.CommModel
     *   counts); and the cross-entropy's fp32 softmax over the vocabulary shard, 4·s·b·V/t — the last stage's
     *   well-known spike (Korthikanti et al. count 4·s·b·h·(1 + V/h)/t for the output layer).</li>
     * </ul>
     * The batch's token and target ids are input data, not activations, and are not counted.
     */
    public static double edges(ModelSpec m, ParallelPlan plan, int microBatch, int activationBytes, int virtual) {
        double replicated = replicatedDivisor(plan);
        double sb = (double) m.seqLen() / plan.cp() * microBatch, h = m.hidden();
        double bytes = activationBytes * sb * h / replicated;
        if (virtual == 0 && m.dropout()) bytes += MASK_BYTES * sb * h / replicated;
        if (virtual == plan.pp() * plan.chunks() - 1) bytes += headEdges(m, plan, microBatch, activationBytes);
        return bytes;
    }

    /**
     * {@return the edge terms of the last virtual stage alone, which its head's and final norm's backward free first}:
     * the final norm's output and statistics, under SP the head's gathered input, and the fp32 softmax (see {@link #edges})
     */
    public static double headEdges(ModelSpec m, ParallelPlan plan, int microBatch, int activationBytes) {
        double replicated = replicatedDivisor(plan);
        double sb = (double) m.seqLen() / plan.cp() * microBatch, h = m.hidden();
        double bytes = activationBytes * sb * h / replicated + FP32_BYTES * m.normStatistics() * sb / replicated;
        if (plan.sequenceParallel()) bytes += activationBytes * sb * h;
        return bytes + FP32_BYTES * sb * m.vocab() / plan.tp();
    }

    /**
     * {@return bytes the cross-entropy's backward holds for one micro-batch beside what the forward kept}, on the stage
     * with the head: none when it writes the gradient in place ({@link CrossEntropy#IN_PLACE}); out of place, the NLL
     * loss's dense gradient and log-softmax's input gradient over the vocabulary shard, 8·s·b·V/t (fp32 each)
     */
    public static double crossEntropyBackward(ModelSpec m, ParallelPlan plan, int microBatch, CrossEntropy kernel) {
        if (kernel == CrossEntropy.IN_PLACE) return 0;
        return CrossEntropy.OUT_OF_PLACE_BACKWARD_BYTES * ((double) m.seqLen() / plan.cp() * microBatch) * m.vocab() / plan.tp();
    }

    /**
     * {@return bytes one micro-batch of virtual stage {@code virtual} keeps: its layers ({@link StageSplit}; L/(p·v)
     * when even) with their norm statistics, and its edges}
     */
    public static double chunkBytes(ModelSpec m, ParallelPlan plan, int microBatch, Recompute recompute, int activationBytes,
                                    int virtual) {
        double layers = StageSplit.of(m, plan).layers(virtual);
        return layers * (perLayer(m, plan, microBatch, recompute, activationBytes) + normStatistics(m, plan, microBatch, recompute))
                + edges(m, plan, microBatch, activationBytes, virtual);
    }

    /**
     * {@return bytes one layer keeps from ZB-H1's B to its W for one micro-batch on one GPU}: Qi et al. 2024's M_W
     * (arXiv:2401.10241 §2; 32·s·b·h at 2 B, no parallelism, f = 4h), the four linear layers' inputs and output
     * gradients, which their weight-gradient GEMMs read. Per token: qkv's and fc1's inputs and proj's and fc2's
     * output gradients, 4h whole (gathered under SP: W reads the whole sequence, as the zero-bubble implementation
     * stores the gathered input); qkv's output gradient h + 2·kvWidth, proj's input h, the MLP's 2f (GeLU: fc1's
     * output gradient, fc2's input) or 3f (SwiGLU), split over t as their weights — all at {@code activationBytes}.
     * The LayerNorms' γ/β gradients are computed in B (as in that implementation), so no x̂ waits for W; dropout
     * masks and attention scores are B's alone; recompute changes nothing (B rebuilds what W then reads).
     */
    public static double weightGradInputsPerLayer(ModelSpec m, ParallelPlan plan, int microBatch, int activationBytes) {
        double sb = (double) m.seqLen() / plan.cp() * microBatch, h = m.hidden(), k = m.moe().slotsPerToken();
        double mlp = k * (m.mlp() == MlpKind.SWIGLU ? 3.0 : 2.0) * m.ffnHidden();
        // An MoE layer's experts read k copies of each token and k output gradients (fc1's input and fc2's output gradient).
        return activationBytes * sb * (4 * h + 2 * (k - 1) * h + (2 * h + mlp) / plan.tp() + 2.0 * m.kvWidthPerRank(plan.tp()));
    }

    /**
     * {@return bytes around the layers one micro-batch of virtual stage {@code virtual} keeps from ZB-H1's B to its
     * W}: on the last chunk the tied head's weight gradient (a linear layer's) reads the logit gradient over the
     * vocabulary shard, fp32 as the softmax it comes from, 4·s·b·V/t, and the head's input, s·b·h whole; none
     * elsewhere (the embedding's and the final norm's gradients are computed in B).
     */
    public static double weightGradEdges(ModelSpec m, ParallelPlan plan, int microBatch, int activationBytes, int virtual) {
        if (virtual != plan.pp() * plan.chunks() - 1) return 0;
        double sb = (double) m.seqLen() / plan.cp() * microBatch;
        return FP32_BYTES * sb * m.vocab() / plan.tp() + activationBytes * sb * m.hidden();
    }

    /** {@return M_W of one micro-batch of virtual stage {@code virtual}: its layers' {@link #weightGradInputsPerLayer} and its {@link #weightGradEdges}} */
    public static double chunkWeightGradBytes(ModelSpec m, ParallelPlan plan, int microBatch, int activationBytes, int virtual) {
        double layers = StageSplit.of(m, plan).layers(virtual);
        return layers * weightGradInputsPerLayer(m, plan, microBatch, activationBytes)
                + weightGradEdges(m, plan, microBatch, activationBytes, virtual);
    }

    /**
     * {@return micro-batches stage {@code stage} holds between their B and W when the most of them await their B}:
     * under ZB-H1 (program.ZeroBubble's order, m ≥ p) min(p − 1, m − p + stage), 0 under the other schedules. Between
     * passes the stage then holds at most {@link #heldBetweenPasses} of its M_B and M_W.
     */
    public static int weightGradsPendingAtPeak(ParallelPlan plan, int microBatches, int stage) {
        if (plan.schedule() != PipelineSchedule.ZB_H1 || plan.pp() == 1) return 0;
        return Math.max(0, Math.min(plan.pp() - 1, microBatches - plan.pp() + stage));   // m < p: Experiment rejects it
    }

    /**
     * {@return the most bytes a stage holds between passes}, given one micro-batch's M_B (forward to B) and M_W
     * (B to W), A micro-batches awaiting their B at the peak and C awaiting their W then: ZB-H1's order passes
     * through A·M_B + C·M_W and, one B later, (A − 1)·M_B + (C + 1)·M_W, and never holds more than the larger
     * (checked against every order with 2 ≤ p ≤ 8, p ≤ m ≤ 4p); A·M_B when M_W = 0 (no deferred W's)
     */
    public static double heldBetweenPasses(double perMicroBatchB, double perMicroBatchW, int awaitingB, int awaitingW) {
        return (awaitingB - 1) * perMicroBatchB + awaitingW * perMicroBatchW + Math.max(perMicroBatchB, perMicroBatchW);
    }

    /**
     * {@return layer-activations (in units of one layer for one micro-batch) stage {@code stage} holds at its peak}:
     * GPipe m·L/p; 1F1B and ZB-H1 min(m, p − stage)·L/p (first stage: L); interleaved
     * min(m·v, 2(p − stage − 1) + (v − 1)·p + 1) chunks of L/(p·v) layers (first stage: L·(1 + (p−1)/(p·v))),
     * all m·v chunks when m = p (Megatron's all-warm-up case). L/p is the stage's own layers ({@link StageSplit});
     * interleaved stages with unevenly sized chunks count chunks of the stage's mean size (their bytes,
     * {@link #stageBytes}, are exact).
     */
    public static double layersInFlight(ModelSpec m, ParallelPlan plan, int microBatches, int stage) {
        int v = plan.chunks();
        double layersPerStage = StageSplit.of(m, plan).stageLayers(stage);
        if (plan.chunks() > 1 && plan.pp() > 1) return inFlight(plan, microBatches, stage) * layersPerStage / v;
        return inFlight(plan, microBatches, stage) * layersPerStage;
    }

    /** {@return micro-batches (chunks, interleaved) stage {@code stage} holds at its peak, per {@link #layersInFlight}} */
    static double inFlight(ParallelPlan plan, int microBatches, int stage) {
        int p = plan.pp(), v = plan.chunks();
        if (p == 1) return 1;
        return switch (plan.schedule()) {
            case GPIPE -> microBatches;
            case ONE_F_ONE_B, ZB_H1 -> Math.min(microBatches, p - stage);
            // Megatron runs every forward first when m = p (all warm-up), as program.PipelineOrder does.
            case INTERLEAVED -> microBatches == p ? (double) microBatches * v
                    : Math.min((double) microBatches * v, 2.0 * (p - stage - 1) + (v - 1) * p + 1);
        };
    }

    /**
     * {@return activation bytes stage {@code stage} holds at its peak}: with one chunk per stage, the in-flight count
     * ({@link #layersInFlight} / (L/p)) times the stage's {@link #chunkBytes} — under ZB-H1 (p > 1) with its deferred
     * W's on top, {@link #heldBetweenPasses} of that M_B and the stage's {@link #chunkWeightGradBytes} with
     * {@link #weightGradsPendingAtPeak} W's pending; interleaved, whose chunks differ (the
     * first holds the embedding's edge, the last the head's), the most that the stage's pass order
     * ({@link PipelineOrder#of}) keeps at once, adding a chunk at its F and releasing it at its B or BW
     * (over {@link PipelineOrder#inFlightPeaks}, the order's possible peaks, computed once per shape). Under full
     * recompute a backward's replayed layer may hold more ({@link LayerReplay#whileReplaying}); the larger counts.
     */
    public static double stageBytes(ModelSpec m, ParallelPlan plan, int microBatch, int microBatches, Recompute recompute,
                                    int activationBytes, int stage) {
        double between = betweenPasses(m, plan, microBatch, microBatches, recompute, activationBytes, stage);
        if (recompute != Recompute.FULL) return between;
        return Math.max(between, LayerReplay.whileReplaying(m, plan, microBatch, microBatches, activationBytes, stage, false));
    }

    /** {@return the most activation bytes stage {@code stage} holds between passes, per {@link #stageBytes}} */
    static double betweenPasses(ModelSpec m, ParallelPlan plan, int microBatch, int microBatches, Recompute recompute,
                                int activationBytes, int stage) {
        int p = plan.pp(), v = plan.chunks();
        if (v == 1) {
            double chunks = inFlight(plan, microBatches, stage);
            double untilB = chunkBytes(m, plan, microBatch, recompute, activationBytes, stage);
            if (plan.schedule() != PipelineSchedule.ZB_H1 || p == 1) return chunks * untilB;
            return heldBetweenPasses(untilB, chunkWeightGradBytes(m, plan, microBatch, activationBytes, stage),
                    (int) Math.round(chunks), weightGradsPendingAtPeak(plan, microBatches, stage));
        }
        double[] bytes = new double[v];
        for (int c = 0; c < v; c++) bytes[c] = chunkBytes(m, plan, microBatch, recompute, activationBytes, c * p + stage);
        double peak = 0;
        for (int[] inFlight : PipelineOrder.inFlightPeaks(plan.schedule(), p, microBatches, v).get(stage)) {
            double held = 0;
            for (int c = 0; c < v; c++) held += inFlight[c] * bytes[c];
            peak = Math.max(peak, held);
        }
        return peak;
    }

    /** {@return t under sequence parallelism (the replicated tensors are split along the sequence), else 1} */
    private static double replicatedDivisor(ParallelPlan plan) {
        return plan.sequenceParallel() ? plan.tp() : 1;
    }
}

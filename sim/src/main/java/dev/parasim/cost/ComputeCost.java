package dev.parasim.cost;

import dev.parasim.spec.AttentionKernel;
import dev.parasim.spec.Calibration;
import dev.parasim.spec.GpuSpec;
import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.Precision;
import dev.parasim.spec.Recompute;

/**
 * Roofline compute time of transformer work on one GPU. A GEMM takes the longer of its FLOPs at
 * peak × efficiency and its operand traffic at HBM bandwidth, plus a launch overhead; the efficiency
 * rises with the GEMM's smallest dimension d as gemmEfficiency · d / (d + gemmHalfSize), so thin,
 * tensor-parallel-split GEMMs run slower than wide ones. The attention core is {@link #attentionCore}: a fused
 * flash kernel that skips a causal mask's empty tiles, or eager batched GEMMs with materialised scores;
 * element-wise kernels are bound by HBM.
 */
public final class ComputeCost {
    /** Non-GEMM kernels in one layer's forward: 2 norms, 2 bias-dropout-residual, the activation, attention (backward: twice). */
    static final int FORWARD_KERNELS = 6;

    /**
     * HBM bytes per token per hidden unit, forward + backward, of the ops TP leaves replicated (a 2-byte kernel count):
     * 2 LayerNorms (forward read + write 4, backward 8) and 2 residual adds (forward 6, backward 4).
     */
    static final double REPLICATED_BYTES = 2 * (4 + 8) + 2 * (6 + 4);
    /** The same for the 2 residual dropouts (forward and backward each: read 2, write 2, mask 1). */
    static final double DROPOUT_BYTES = 2 * (5 + 5);

    private final double peakFlops;
    /** Peak of everything that is not a weight GEMM: under fp8-mixed the attention core still runs in bf16. */
    private final double attentionPeakFlops;
    private final boolean fp8;
    private final double hbmBytesPerSecond;
    private final int elementBytes;
    private final Calibration cal;

    public ComputeCost(GpuSpec gpu, Precision precision, Calibration cal) {
        this.peakFlops = gpu.peakFlops(precision);
        this.fp8 = precision == Precision.FP8_MIXED;
        this.attentionPeakFlops = fp8 ? gpu.peakFlops(Precision.BF16_MIXED) : peakFlops;
        this.cal = cal;
        this.hbmBytesPerSecond = gpu.hbmGBps() * 1e9 * cal.memoryEfficiency();
        this.elementBytes = precision.activationBytes();
    }

    /** {@return seconds of an M×K by K×N weight GEMM (fp8 under fp8-mixed)} */
    public double gemm(double m, double n, double k) {
        return gemm(m, n, k, peakFlops);
    }

    private double gemm(double m, double n, double k, double peak) {
        double d = Math.min(m, Math.min(n, k));
        double efficiency = cal.gemmEfficiency() * d / (d + cal.gemmHalfSize());
        double compute = 2 * m * n * k / (peak * efficiency);
        double traffic = elementBytes * (m * k + k * n + m * n) / hbmBytesPerSecond;
        return Math.max(compute, traffic) + cal.kernelLaunchUs() * 1e-6;
    }

    /** {@return F, B and W of a GEMM whose forward is (M, N, K): B computes dX (M, K, N), W computes dW (K, N, M)} */
    public PassTimes linear(double m, double n, double k) {
        return new PassTimes(gemm(m, n, k), gemm(m, k, n), gemm(k, n, m));
    }

    /** {@return seconds of element-wise work moving {@code bytes} through HBM} */
    public double memoryBound(double bytes) {
        return bytes / hbmBytesPerSecond;
    }

    /**
     * How much faster a Hopper-native fused attention kernel (cuDNN's, FlashAttention-3) runs than FlashAttention-2 on
     * H100: the low end of the 1.5–2.0× FlashAttention-3 reports (Shah et al. 2024, abstract); cuDNN's sits between.
     */
    static final double HOPPER_ATTENTION_SPEEDUP = 1.5;

    /** FlashAttention's query and key tile (Dao 2023, FlashAttention-2 §3: 128×128 blocks for head dimension 128). */
    static final int FLASH_TILE = 128;

    /**
     * {@return the attention core of one micro-batch on one GPU}: F, and B with the core's whole backward (it has
     * no weights, W = 0). {@code tokens} queries (b·s/cp) each attend to the sequence's s keys, a/t heads of d.
     * <ul>
     * <li>flash: the unmasked forward 4·T·s·h/t FLOPs times the share of score tiles a causal mask leaves,
     *   (n + 1)/(2n) for n = ⌈s/128⌉ tiles (½ at long s, more at short s), at attentionEfficiency · s/(s + attentionHalfSeq)
     *   of peak (the kernel's throughput grows with the keys each query tile streams through; FlashAttention-2's
     *   benchmarks); the backward does 2.5× the forward's FLOPs (5 tile GEMMs to the forward's 2: it recomputes the
     *   scores; Dao 2023 §3.2); a Hopper-native kernel ({@code flash-hopper}) runs {@link #HOPPER_ATTENTION_SPEEDUP}×
     *   faster.</li>
     * <li>eager: QKᵀ and the weighted sum as batched GEMMs (T×s×d and T×d×s per head, unmasked), plus HBM traffic on
     *   the a·T·s/t scores: forward softmax read and write, with dropout a read, a write and the 1 B mask; backward
     *   the softmax gradient (P, dP read, dS written), with dropout the mask and two more passes.</li>
     * </ul>
     */
    public PassTimes attentionCore(ModelSpec model, ParallelPlan plan, double tokens) {
        double s = model.seqLen(), heads = (double) model.heads() / plan.tp(), d = model.headDim();
        if (model.flashAttention()) {
            double tiles = Math.ceil(s / FLASH_TILE);
            double causal = (tiles + 1) / (2 * tiles);
            double kernel = model.attention() == AttentionKernel.FLASH_HOPPER ? HOPPER_ATTENTION_SPEEDUP : 1;
            double efficiency = Math.min(1, kernel * cal.attentionEfficiency()) * s / (s + cal.attentionHalfSeq());
            double forward = causal * 4.0 * tokens * s * heads * d / (attentionPeakFlops * efficiency) + cal.kernelLaunchUs() * 1e-6;
            return new PassTimes(forward, 2.5 * forward, 0);
        }
        double p = attentionPeakFlops;
        PassTimes scores = new PassTimes(gemm(tokens, s, d, p), gemm(tokens, d, s, p), gemm(d, s, tokens, p));
        PassTimes weighted = new PassTimes(gemm(tokens, d, s, p), gemm(tokens, s, d, p), gemm(s, d, tokens, p));
        double elements = heads * tokens * s;
        double forwardBytes = elements * (2 * elementBytes + (model.dropout() ? 2 * elementBytes + 1 : 0));
        double backwardBytes = elements * (3 * elementBytes + (model.dropout() ? 2 * elementBytes + 1 : 0));
        return new PassTimes(heads * (scores.forward() + weighted.forward()) + memoryBound(forwardBytes),
                heads * (scores.backward() + weighted.backward()) + memoryBound(backwardBytes), 0);
    }

    /** {@return one transformer layer as {@link #layer(ModelSpec, ParallelPlan, int, Recompute, boolean)}, a full recompute replaying the whole forward} */
    public PassTimes layer(ModelSpec model, ParallelPlan plan, int microBatch, Recompute recompute) {
        return layer(model, plan, microBatch, recompute, false);
    }

    /**
     * {@return one transformer layer, one micro-batch of {@code microBatch} sequences, on one GPU of the plan}.
     * Recomputation lands in B: full recompute repeats the layer's forward GEMMs, attention core and element-wise kernels
     * ({@link #recomputedElementwise}), selective its attention core. With {@code earlyStop} the full recompute stops
     * once it has rebuilt the last tensor the layer's backward saved, the MLP's activated output (the input of its
     * last GEMM): PyTorch's non-reentrant checkpoint does so by default since 2.1 (torch.utils.checkpoint,
     * set_checkpoint_early_stop), so the MLP's output GEMM ({@code f/t → h}, a third of the layer's weight FLOPs with a
     * 4h GeLU MLP) and the residual add after it are not replayed. With dropout the last saved tensor is the residual
     * dropout's mask, which needs that GEMM's output, so only the residual add is left out; so with an MoE layer, which
     * saves a tensor after its combine ({@code workload.ExpertDispatch#replayedPerLayer}). Megatron-LM's and DeepSpeed's
     * reentrant checkpoint replays the whole forward ({@code earlyStop} false). The operator-level recompute
     * ({@code selective-ops}) repeats the GEMMs whose outputs it does not keep ({@link #opRecomputedGemms}), every
     * element-wise kernel of the forward, and an eager attention core (a flash kernel's output is kept); both replay an
     * MoE layer's dispatch forward, outside the calibrated element-wise term's cap. An MoE layer
     * runs its router's GEMM, each of its E experts on k·T/E tokens (balanced routing; smaller GEMMs run at a lower
     * efficiency) and its dispatch ({@link #moeDispatchBytes}) forward and backward.
     */
    public PassTimes layer(ModelSpec model, ParallelPlan plan, int microBatch, Recompute recompute, boolean earlyStop) {
        double t = plan.tp();
        double tokens = (double) microBatch * model.seqLen() / plan.cp();
        double h = model.hidden(), f = model.ffnHidden();
        // A dense MLP runs on every token; an MoE layer's E experts each on its k·T/E of them (balanced routing), in
        // smaller GEMMs, after the router's T × E logits.
        // Under expert parallelism a rank runs E/ep experts on k·T·ep/E tokens each (its EP peers' tokens among them).
        // With an expert capacity every expert runs on its padded slots.
        double experts = model.moe().mlps() / (double) plan.ep(), perExpert = tokens * model.moe().slotsPerToken() / experts;
        PassTimes mlpOut = linear(perExpert, h, f / t).times(experts), proj = linear(tokens, h, h / t);
        PassTimes gemms = linear(tokens, h / t + 2.0 * model.kvWidthPerRank(plan.tp()), h)
                .plus(proj)
                .plus(linear(perExpert, (model.mlp() == MlpKind.SWIGLU ? 2 : 1) * f / t, h).times(experts))
                .plus(mlpOut);
        if (model.isMoe()) gemms = gemms.plus(linear(tokens, model.moe().experts(), h));
        PassTimes attention = attentionCore(model, plan, tokens);
        // Only the replicated region (2 norms, 2 residual adds, 2 dropouts: REPLICATED_BYTES) runs whole on every TP rank
        // without SP and shrinks with SP (Korthikanti et al. 2022 §4.2.2); the rest of the traffic is split over t.
        double replicated = Math.min(cal.elementwiseBytes(), REPLICATED_BYTES + (model.dropout() ? DROPOUT_BYTES : 0));
        double elementwise = memoryBound(tokens * h * ((cal.elementwiseBytes() - replicated) / t
                + replicated / (plan.sequenceParallel() ? t : 1)));
        double dispatch = memoryBound(tokens * h * moeDispatchBytes(model) / (plan.sequenceParallel() ? t : 1));
        double launch = cal.kernelLaunchUs() * 1e-6;
        if (fp8) elementwise += fp8Casts(model, plan, tokens);
        PassTimes layer = gemms.plus(attention).plus(new PassTimes(elementwise / 3 + FORWARD_KERNELS * launch,
                2 * elementwise / 3 + 2 * FORWARD_KERNELS * launch, 0)).plus(new PassTimes(dispatch, dispatch, 0));
        double recomputed = switch (recompute) {
            case NONE -> 0;
            case SELECTIVE -> attention.forward();
            case SELECTIVE_OPS -> opRecomputedGemms(model, plan, tokens, experts, perExpert, proj, mlpOut) + (model.flashAttention() ? 0 : attention.forward())
                    + FORWARD_KERNELS * launch + Math.min(elementwise / 3, recomputedElementwise(model, plan, tokens, false)) + dispatch;
            case FULL -> gemms.forward() - (earlyStop && !model.dropout() && !model.isMoe() ? mlpOut.forward() : 0) + attention.forward() + FORWARD_KERNELS * launch
                    + Math.min(elementwise / 3, recomputedElementwise(model, plan, tokens, earlyStop)) + dispatch;
        };
        return new PassTimes(layer.forward(), layer.backwardInput() + recomputed, layer.backwardWeight());
    }

    /**
     * {@return seconds of the forward GEMMs one layer's operator-level recompute repeats, on one GPU}: the ones
     * {@code Flops.opRecomputedGemmWeights} (package workload) names, split over t as TP splits them: proj and fc2
     * (GPT: the layer's own {@code proj} and {@code mlpOut}); k, o and up (SwiGLU), each expert's up on its
     * {@code perExpert} tokens (the rank's {@code experts} of them)
     */
    double opRecomputedGemms(ModelSpec model, ParallelPlan plan, double tokens, double experts, double perExpert, PassTimes proj,
                             PassTimes mlpOut) {
        if (model.mlp() != MlpKind.SWIGLU) return proj.forward() + mlpOut.forward();
        double h = model.hidden();
        return proj.forward() + linear(tokens, model.kvWidthPerRank(plan.tp()), h).forward()
                + experts * linear(perExpert, model.ffnHidden() / (double) plan.tp(), h).forward();
    }

    /**
     * HBM bytes per token per hidden unit of a layer's forward element-wise kernels, counted kernel by kernel (2 bytes
     * an element): 2 LayerNorms (read, write: 4 each) and 2 residual adds (read 2, write 1: 6 each), which TP leaves
     * replicated, and the MLP's activation on its f-wide input (GeLU read, write: 4·f/h; SwiGLU reads two: 6·f/h), which
     * TP splits.
     */
    static final double FORWARD_REPLICATED_BYTES = 2 * 4 + 2 * 6;
    /** The 2 residual dropouts' forward (read 2, write 2, mask 1 each). */
    static final double FORWARD_DROPOUT_BYTES = 2 * 5;
    /**
     * {@return HBM bytes per token per hidden unit of an MoE layer's dispatch, one way (forward or backward)}: the
     * tokens permuted into expert order (read 1, write k copies) and the experts' outputs combined back (read k, write
     * 1), 2·(1 + k) elements at the activation width; none for a dense layer
     */
    double moeDispatchBytes(ModelSpec model) {
        return model.isMoe() ? 2.0 * (1 + model.moe().slotsPerToken()) * elementBytes : 0;
    }

    /** What a recompute that stops early leaves out of those: the layer's last residual add (read 4, write 2). */
    static final double LAST_RESIDUAL_BYTES = 6;

    /**
     * {@return seconds of the element-wise kernels a full recompute repeats}: the forward's norms, residual adds, the
     * MLP's activation and dropout, counted kernel by kernel. The calibrated {@code elementwiseBytes} is about three
     * times that count because it also carries per-token work that runs once a step whatever the recompute (gradient
     * accumulation, the backward's extra passes, framework overheads); a recomputed forward replays only the kernels.
     * One that stops early ({@code earlyStop}) leaves out the last residual add (its dropout, if any, still runs: its
     * mask is the last tensor the backward saved).
     */
    double recomputedElementwise(ModelSpec model, ParallelPlan plan, double tokens, boolean earlyStop) {
        double t = plan.tp(), h = model.hidden(), f = model.ffnHidden();
        double replicated = FORWARD_REPLICATED_BYTES + (model.dropout() ? FORWARD_DROPOUT_BYTES : 0)
                - (earlyStop ? LAST_RESIDUAL_BYTES : 0);
        double mlp = model.moe().slotsPerToken() * (model.mlp() == MlpKind.SWIGLU ? 6.0 : 4.0) * f / h;
        return memoryBound(tokens * h * (replicated / (plan.sequenceParallel() ? t : 1) + mlp / t));
    }

    /**
     * {@return seconds of one layer's fp8 casts, forward and backward}: fp8-mixed runs only the four weight GEMMs in
     * fp8 (Transformer Engine's recipe; Micikevicius et al. 2022): each GEMM's bf16 input is read and written back as
     * fp8 with its transposed copy for the backward (2 + 1 + 1 B per element: qkv's and fc1's inputs h each, proj's
     * h/t, fc2's f/t per token; an MoE layer's MLP terms k-fold), and in backward each output gradient is cast (2 + 1 B: h + 2·kvWidth and the MLP's
     * first output over t, proj's and fc2's h). Attention, norms, element-wise kernels and the scaling stay bf16.
     */
    double fp8Casts(ModelSpec model, ParallelPlan plan, double tokens) {
        double t = plan.tp(), h = model.hidden(), f = model.moe().slotsPerToken() * model.ffnHidden();
        double mlpOut = (model.mlp() == MlpKind.SWIGLU ? 2 : 1) * f;
        double forward = 4.0 * tokens * (2 * h + h / t + f / t);
        double backward = 3.0 * tokens * ((h + mlpOut) / t + 2.0 * model.kvWidthPerRank(plan.tp()) + 2 * h);
        return memoryBound(forward + backward);
    }

    /** HBM bytes per logit of the cross-entropy's forward in fp32, past the cast: log-softmax reads 4 and writes 4. */
    static final double CROSS_ENTROPY_FORWARD_BYTES = 4 + 4;
    /**
     * HBM bytes per logit of the cross-entropy's backward in fp32, past the cast: the NLL loss's gradient written dense
     * (4) and log-softmax's backward, which reads that gradient and its forward output and writes the input gradient (12).
     */
    static final double CROSS_ENTROPY_BACKWARD_BYTES = 4 + 4 + 4 + 4;

    /**
     * {@return HBM bytes per logit of the unfused fp32 cross-entropy, forward and backward}, counted kernel by kernel,
     * each kernel reading its inputs once and writing its outputs once: under mixed precision the logits GEMM writes
     * 2-byte logits and autocast runs log_softmax and nll_loss in fp32 (PyTorch's autocast op list), so the forward
     * casts them up (read 2, write 4) before {@link #CROSS_ENTROPY_FORWARD_BYTES} and the backward casts the gradient
     * back (read 4, write 2) after {@link #CROSS_ENTROPY_BACKWARD_BYTES}: 14 and 22 B in bf16, 8 and 16 B in fp32.
     * Per token that is V logits whatever the model's width, so it weighs most on small models: mpt-125m's 50,368-word
     * head moves 1.8 MB a token, on an A100 about half its layers' GEMM time; mpt-13b's, 0.3% of it.
     */
    double[] crossEntropyBytes() {
        double cast = elementBytes < 4 ? elementBytes + 4 : 0;
        return new double[] {cast + CROSS_ENTROPY_FORWARD_BYTES, CROSS_ENTROPY_BACKWARD_BYTES + cast};
    }

    /**
     * {@return the LM head and cross-entropy of one micro-batch (last stage)}: the logits GEMM plus the fp32
     * cross-entropy's HBM traffic on the b·s·V/t logits ({@link #crossEntropyBytes})
     */
    public PassTimes head(ModelSpec model, ParallelPlan plan, int microBatch) {
        double tokens = (double) microBatch * model.seqLen() / plan.cp();
        double vocabShard = (double) model.vocab() / plan.tp();
        double[] bytes = crossEntropyBytes();
        double logits = tokens * vocabShard;
        return linear(tokens, vocabShard, model.hidden())
                .plus(new PassTimes(memoryBound(logits * bytes[0]), memoryBound(logits * bytes[1]), 0));
    }

    /** {@return the embedding lookup of one micro-batch (first stage): a gather and its scatter-add} */
    public PassTimes embedding(ModelSpec model, ParallelPlan plan, int microBatch) {
        double bytes = 2.0 * elementBytes * microBatch * model.seqLen() / plan.cp() * model.hidden();
        return new PassTimes(memoryBound(bytes), memoryBound(bytes), 0);
    }

    /** {@return one Adam step over {@code elements} parameters: master, moments and gradient read, written back (~32 B each)} */
    public double optimizerStep(double elements) {
        return memoryBound(32.0 * elements);
    }
}

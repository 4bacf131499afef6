package dev.parasim.cost;

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
 * tensor-parallel-split GEMMs run slower than wide ones. The fused attention core runs at its own
 * efficiency and skips the masked half of a causal score matrix; element-wise kernels are bound by HBM.
 */
public final class ComputeCost {
    /** Non-GEMM kernels in one layer's forward: 2 norms, 2 bias-dropout-residual, the activation, attention (backward: twice). */
    static final int FORWARD_KERNELS = 6;

    private final double peakFlops;
    private final double hbmBytesPerSecond;
    private final int elementBytes;
    private final Calibration cal;

    public ComputeCost(GpuSpec gpu, Precision precision, Calibration cal) {
        this.peakFlops = gpu.peakFlops(precision);
        this.cal = cal;
        this.hbmBytesPerSecond = gpu.hbmGBps() * 1e9 * cal.memoryEfficiency();
        this.elementBytes = precision.activationBytes();
    }

    /** {@return seconds of an M×K by K×N GEMM} */
    public double gemm(double m, double n, double k) {
        double d = Math.min(m, Math.min(n, k));
        double efficiency = cal.gemmEfficiency() * d / (d + cal.gemmHalfSize());
        double compute = 2 * m * n * k / (peakFlops * efficiency);
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

    /** {@return attention core seconds for {@code flops} counted unmasked (4·T·s·h/t); causal masking halves the work} */
    public double attention(double flops) {
        return 0.5 * flops / (peakFlops * cal.attentionEfficiency());
    }

    /**
     * {@return one transformer layer, one micro-batch of {@code microBatch} sequences, on one GPU of the plan}.
     * Recomputation lands in B: full recompute repeats the layer's forward, selective its attention core.
     */
    public PassTimes layer(ModelSpec model, ParallelPlan plan, int microBatch, Recompute recompute) {
        double t = plan.tp();
        double tokens = (double) microBatch * model.seqLen() / plan.cp();
        double h = model.hidden(), f = model.ffnHidden();
        PassTimes gemms = linear(tokens, (h + 2.0 * model.kvWidth()) / t, h)
                .plus(linear(tokens, h, h / t))
                .plus(linear(tokens, (model.mlp() == MlpKind.SWIGLU ? 2 : 1) * f / t, h))
                .plus(linear(tokens, h, f / t));
        double attentionForward = attention(4.0 * tokens * model.seqLen() * h / t);
        // Norms, activations, residuals and dropout: the sequence-split share shrinks with SP, the MLP share with TP.
        double elementwise = memoryBound(cal.elementwiseBytes() * tokens * h
                * (0.5 / t + 0.5 / (plan.sequenceParallel() ? t : 1)));
        double launch = cal.kernelLaunchUs() * 1e-6;
        PassTimes layer = gemms.plus(new PassTimes(attentionForward + elementwise / 3 + FORWARD_KERNELS * launch,
                2 * attentionForward + 2 * elementwise / 3 + 2 * FORWARD_KERNELS * launch, 0));
        double recomputed = switch (recompute) {
            case NONE -> 0;
            case SELECTIVE -> attentionForward;
            case FULL -> layer.forward();
        };
        return new PassTimes(layer.forward(), layer.backwardInput() + recomputed, layer.backwardWeight());
    }

    /** {@return the LM head and cross-entropy of one micro-batch (last stage): logits GEMM plus fp32 softmax traffic} */
    public PassTimes head(ModelSpec model, ParallelPlan plan, int microBatch) {
        double tokens = (double) microBatch * model.seqLen() / plan.cp();
        double vocabShard = (double) model.vocab() / plan.tp();
        double softmax = memoryBound(4.0 * tokens * vocabShard * 3);
        return linear(tokens, vocabShard, model.hidden()).plus(new PassTimes(softmax / 3, 2 * softmax / 3, 0));
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

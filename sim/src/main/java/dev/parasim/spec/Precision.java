package dev.parasim.spec;

/**
 * Training precision. Bytes per parameter of each model-state component follow ZeRO
 * (Rajbhandari et al. 2020 §3.1): mixed precision keeps 2-byte weights and gradients beside an fp32
 * master copy and fp32 Adam moments (K = 12); pure fp32 needs no master copy (K = 8). {@code fp8-mixed} assumes
 * Transformer Engine's recipe: model states and activations as bf16-mixed, only the four weight GEMMs of each layer
 * (and the LM head) run at the fp8 peak; attention, norms, element-wise kernels, and the casts and scaling
 * around each fp8 GEMM run in bf16 (cost.ComputeCost charges the casts as HBM traffic); collectives move bf16.
 */
public enum Precision implements Node.Labelled {
    FP32("fp32", 4, 4, 4, 4),
    BF16_MIXED("bf16-mixed", 2, 2, 2, 4),
    FP8_MIXED("fp8-mixed", 2, 2, 2, 4);

    private final String label;
    private final int paramBytes;
    private final int gradBytes;
    private final int activationBytes;
    private final int optimizerElementBytes;

    Precision(String label, int paramBytes, int gradBytes, int activationBytes, int optimizerElementBytes) {
        this.label = label;
        this.paramBytes = paramBytes;
        this.gradBytes = gradBytes;
        this.activationBytes = activationBytes;
        this.optimizerElementBytes = optimizerElementBytes;
    }

    @Override public String label() { return label; }

    @Override public String toString() { return label; }

    /** {@return bytes of one stored (working) parameter} */
    public int paramBytes() { return paramBytes; }

    /** {@return bytes of one gradient element, also the element size of gradient collectives} */
    public int gradBytes() { return gradBytes; }

    /** {@return bytes of one stored activation element} */
    public int activationBytes() { return activationBytes; }

    /** {@return whether an fp32 master copy of the weights is kept beside the working copy} */
    public boolean hasMasterCopy() { return this != FP32; }

    /** {@return optimizer-state bytes per parameter: K in ZeRO's notation (master copy + moments)} */
    public int optimizerBytesPerParam(Optimizer optimizer) {
        int moments = switch (optimizer) {
            case ADAM -> 2;
            case SGD -> 1;
        };
        return optimizerElementBytes * (moments + (hasMasterCopy() ? 1 : 0));
    }
}

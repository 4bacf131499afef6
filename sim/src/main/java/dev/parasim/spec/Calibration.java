package dev.parasim.spec;

/**
 * The cost model's efficiency parameters. One global set (see {@link #DEFAULT}) is fitted once to
 * the Megatron-Core H100 table; a cluster may override any of them (the calibrate verb writes them).
 *
 * @param gemmEfficiency   fraction of dense peak reached by a large GEMM
 * @param gemmHalfSize     the GEMM dimension (elements) at which efficiency falls to half: efficiency
 *                         saturates as d / (d + gemmHalfSize) in the smallest of M, N, K
 * @param attentionEfficiency fraction of peak reached by the fused (flash) attention core
 * @param memoryEfficiency fraction of HBM bandwidth reached by element-wise kernels
 * @param elementwiseBytes bytes of HBM traffic per token per hidden unit per layer (forward + backward)
 *                         for the element-wise kernels (norms, activations, residuals, dropout)
 * @param tpOverlap        fraction of tensor-parallel collective time hidden behind GEMMs
 * @param dpOverlap        fraction of the last backward pass the data-parallel sync can hide behind
 * @param kernelLaunchUs   fixed per-kernel overhead in microseconds
 */
public record Calibration(double gemmEfficiency, double gemmHalfSize, double attentionEfficiency,
                          double memoryEfficiency, double elementwiseBytes, double tpOverlap, double dpOverlap,
                          double kernelLaunchUs) {

    /** The project's single global calibration, fitted by {@code sim validate} on megatron-core-h100.csv. */
    public static final Calibration DEFAULT = new Calibration(0.80, 96, 0.70, 0.80, 160, 0.6, 0.9, 4);

    public Calibration {
        Check.fraction("gemmEfficiency", gemmEfficiency);
        Check.nonNegative("gemmHalfSize", gemmHalfSize);
        Check.fraction("attentionEfficiency", attentionEfficiency);
        Check.fraction("memoryEfficiency", memoryEfficiency);
        Check.nonNegative("elementwiseBytes", elementwiseBytes);
        Check.unitInterval("tpOverlap", tpOverlap);
        Check.unitInterval("dpOverlap", dpOverlap);
        Check.nonNegative("kernelLaunchUs", kernelLaunchUs);
    }
}

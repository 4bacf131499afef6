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
 *                         for everything that is not a GEMM or attention (norms, activations, residuals,
 *                         dropout, gradient accumulation); the fit (400) is about 3× a kernel-by-kernel
 *                         count, so it also absorbs unmodelled per-token overheads
 * @param tpOverlap        fraction of tensor-parallel collective time hidden behind GEMMs when
 *                         {@code training.tpCommOverlap} is on
 * @param dpOverlap        fraction of the last backward pass the data-parallel sync can hide behind
 * @param kernelLaunchUs   fixed per-kernel overhead in microseconds
 */
public record Calibration(double gemmEfficiency, double gemmHalfSize, double attentionEfficiency,
                          double memoryEfficiency, double elementwiseBytes, double tpOverlap, double dpOverlap,
                          double kernelLaunchUs) {

    /**
     * The project's single global calibration. Attention efficiency (FlashAttention-2 class kernels), HBM
     * efficiency and launch overhead are set from public kernel measurements; GEMM efficiency, half size,
     * element-wise bytes, TP and DP overlap were fitted once to megatron-core-h100.csv (mean 6.2%,
     * max 11.9% error) and checked on A100 runs they were not fitted to (Narayanan et al. 2021 Table 1,
     * narayanan-2021-a100.csv: mean 10.0%, max 17.7%; see Validation.heldOutA100).
     */
    public static final Calibration DEFAULT = new Calibration(0.68, 68, 0.40, 0.80, 400, 0.52, 1.0, 4);

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

package dev.parasim.spec;

/**
 * The cost model's efficiency parameters. One global set (see {@link #DEFAULT}) is fitted once to
 * the Megatron-Core H100 table; a cluster may override any of them (the calibrate verb writes them).
 *
 * @param gemmEfficiency   fraction of dense peak reached by a large GEMM
 * @param gemmHalfSize     the GEMM dimension (elements) at which efficiency falls to half: efficiency
 *                         saturates as d / (d + gemmHalfSize) in the smallest of M, N, K
 * @param attentionEfficiency fraction of peak the fused (flash) attention core reaches at long sequences
 * @param attentionHalfSeq the sequence length (keys) at which the flash kernel reaches half that efficiency
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
                          double attentionHalfSeq, double memoryEfficiency, double elementwiseBytes, double tpOverlap, double dpOverlap,
                          double kernelLaunchUs) {

    /**
     * The H100 calibration (one per GPU type). Attention and element-wise terms and GEMM efficiency fitted to
     * Megatron-Core's H100 table (megatron-core-h100.csv) and the H100 rows of MosaicML's llm-foundry FSDP table
     * (mpt-llmfoundry.csv) together, by a grid over gemmEfficiency, attentionEfficiency, attentionHalfSeq and
     * elementwiseBytes minimising the worse table's mean + ¼·max error; TP and DP overlap, HBM efficiency and launch
     * overhead as first fitted to the Megatron-Core table. `sim validate` prints the errors. Refitted (GEMM 0.68 → 0.72,
     * attention 0.20 → 0.18 at half-sequence 1024 → 768, element-wise 300 → 250 B) once a full recompute replays only
     * the forward's kernels and hidden FSDP communication slows the compute it hides behind (the step-time model's
     * OVERLAP_INTERFERENCE): the low GEMM efficiency had stood in for those per-micro-batch costs.
     */
    public static final Calibration H100 = new Calibration(0.72, 68, 0.18, 768, 0.80, 250, 0.52, 1.0, 4);

    /**
     * The A100 calibration: the same fit to the A100 40/80 GB rows of the llm-foundry table, checked on the held-out
     * Narayanan et al. 2021 Table 1 (narayanan-2021-a100.csv, never fitted to). A100 GEMMs and FlashAttention-2 reach
     * a larger share of their (lower) peak than on H100, and its element-wise kernels move fewer bytes per FLOP.
     * Refitted with the H100 set (GEMM 0.68 → 0.74, element-wise 100 → 150 B): llm-foundry's checkpointed A100 runs
     * reach 70–79% of peak in hardware FLOPs, which a GEMM efficiency of 0.68 could never reach.
     */
    public static final Calibration A100 = new Calibration(0.74, 68, 0.30, 256, 0.80, 150, 0.52, 1.0, 4);

    /** The calibration when nothing names a GPU type: H100's. */
    public static final Calibration DEFAULT = H100;

    /** {@return the calibration of a GPU type by its name: A100's for any A100, else H100's (H100, H200 and others)} */
    public static Calibration forGpu(String gpuName) {
        return gpuName.toUpperCase(java.util.Locale.ROOT).contains("A100") ? A100 : H100;
    }

    public Calibration {
        Check.fraction("gemmEfficiency", gemmEfficiency);
        Check.nonNegative("gemmHalfSize", gemmHalfSize);
        Check.fraction("attentionEfficiency", attentionEfficiency);
        Check.nonNegative("attentionHalfSeq", attentionHalfSeq);
        Check.fraction("memoryEfficiency", memoryEfficiency);
        Check.nonNegative("elementwiseBytes", elementwiseBytes);
        Check.unitInterval("tpOverlap", tpOverlap);
        Check.unitInterval("dpOverlap", dpOverlap);
        Check.nonNegative("kernelLaunchUs", kernelLaunchUs);
    }
}

package dev.parasim.spec;

/**
 * The largest values a spec may hold. With them every product the models form (parameters 12·L·h², bytes per
 * step tokens·h·L·bytes, ranks dp·tp·pp·cp) fits a {@code long} or an {@code int} as declared, and every play
 * of a step's timeline stays bounded; a value past a limit is a one-line spec error, never an overflow.
 * The limits are far above any published model (GPT-3: 96 layers, hidden 12,288; PaLM: 118 layers, hidden
 * 18,432; 16,384 GPUs per job for Llama 3).
 */
public final class Limits {
    private Limits() {}

    public static final int MAX_LAYERS = 2_048;
    public static final int MAX_HIDDEN = 65_536;
    /** Also bounds kvHeads. */
    public static final int MAX_HEADS = 65_536;
    public static final int MAX_FFN_HIDDEN = 1_048_576;
    /** Experts of an MoE layer. */
    public static final int MAX_EXPERTS = 1_024;
    /**
     * Weights of a model's MLPs, layers · experts · 3 · hidden · ffnHidden, so that parameter counts and their bytes stay
     * within a long: above the largest dense model the other limits allow (2,048 · 3 · 65,536 · 1,048,576 ≈ 4.2·10^17).
     */
    public static final double MAX_MLP_WEIGHTS = 4.5e17;
    public static final int MAX_VOCAB = 16_777_216;
    public static final int MAX_SEQ_LEN = 1_048_576;
    /** Each of dp, tp, pp, cp and chunks, and their product the world size; also a cluster's GPU count. */
    public static final int MAX_GPUS = 1_048_576;
    public static final int MAX_GLOBAL_BATCH = 16_777_216;
    /** Tokens of one optimizer step, globalBatch · seqLen. */
    public static final long MAX_TOKENS_PER_STEP = 1L << 30;
    /** Passes the timeline plays per step on the busiest stage: micro-batches per step · pp · chunks. */
    public static final long MAX_PIPELINE_PASSES = 262_144;
    /** Smallest data-parallel gradient bucket, 1 kB: each bucket holds at least a few hundred elements. */
    public static final double MIN_BUCKET_MB = 0.001;
}

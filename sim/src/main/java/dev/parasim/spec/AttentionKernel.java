package dev.parasim.spec;

/**
 * How the attention core (scores, softmax, dropout, weighted sum) runs.
 * <ul>
 * <li>{@code eager}: QKᵀ and the weighted sum as batched GEMMs with the a·s² scores, their softmax and dropout
 *   materialised in HBM (Megatron-LM's fused-softmax path; what Korthikanti et al. 2022 count: 5·a·s²·b bytes
 *   per layer at 2 B, and what the executed GPT computes).</li>
 * <li>{@code flash}: one fused kernel that tiles the scores through on-chip memory (Dao et al. 2022, FlashAttention;
 *   Dao 2023, FlashAttention-2): no a·s² tensor is stored — the dropout mask is regenerated from the RNG seed —
 *   and the forward keeps only its output and the softmax's logsumexp statistics, one fp32 value per head per
 *   token; the backward recomputes the scores tile by tile.</li>
 * <li>{@code flash-hopper}: the same tiled algorithm in a kernel written for Hopper's asynchronous tensor cores (wgmma,
 *   TMA): cuDNN's fused attention, which Transformer Engine (and so Megatron-Core) picks on H100, or FlashAttention-3.
 *   FlashAttention-2 reaches about 35% of H100's peak; Hopper-native kernels run 1.5–2.0× faster (Shah et al. 2024,
 *   FlashAttention-3, abstract). Same memory as {@code flash}; on pre-Hopper GPUs it has no meaning.</li>
 * </ul>
 */
public enum AttentionKernel implements Node.Labelled {
    EAGER("eager"),
    FLASH("flash"),
    FLASH_HOPPER("flash-hopper");

    private final String label;

    AttentionKernel(String label) { this.label = label; }

    @Override public String label() { return label; }

    @Override public String toString() { return label; }
}

package dev.parasim.workload;

import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.Recompute;

/**
 * Floating-point operations of one training step. Model FLOPs (for MFU) count forward + backward
 * (3× forward) without recomputation; hardware FLOPs (for HFU) add what recomputation repeats.
 */
public final class Flops {
    private Flops() {}

    /** Model FLOPs per step, Narayanan et al. 2021: 72·B·s·L·h²·(1 + s/(6h) + V/(12·L·h)), generalised to GQA/SwiGLU. */
    public static double model(ModelSpec m, long sequences) {
        return 3.0 * sequences * m.seqLen() * forwardPerToken(m);
    }

    /** Hardware FLOPs per step: model FLOPs plus the recomputed forward work. */
    public static double hardware(ModelSpec m, long sequences, Recompute recompute) {
        double tokens = (double) sequences * m.seqLen();
        return model(m, sequences) + switch (recompute) {
            case NONE -> 0.0;
            // Korthikanti et al. 2022 §5: selective recompute 72·B·s·L·h²·(1 + s/(3h) + V/(12Lh)): + 12·B·s²·L·h.
            case SELECTIVE -> tokens * 12.0 * m.seqLen() * m.layers() * m.hidden();
            case SELECTIVE_OPS -> tokens * m.layers() * opRecomputedPerToken(m);
            // Narayanan et al. 2021 eq. 3: 96·B·s·L·h²·(1 + s/(6h) + V/(16Lh)): + one forward pass of the layers.
            case FULL -> tokens * m.layers() * layerForwardPerToken(m);
        };
    }

    /** {@return forward FLOPs per token: 2 per weight of every GEMM, 4·s·h for attention, 2·h·V for the logits} */
    public static double forwardPerToken(ModelSpec m) {
        return m.layers() * layerForwardPerToken(m) + 2.0 * m.hidden() * m.vocab();
    }

    /** {@return one layer's forward FLOPs per token: 2·(GEMM weights) + 4·s·h (QKᵀ and AV, not halved for causality)} */
    public static double layerForwardPerToken(ModelSpec m) {
        return 2.0 * gemmWeights(m) + 4.0 * m.seqLen() * m.hidden();
    }

    /**
     * {@return weights of the GEMMs the operator-level recompute ({@code selective-ops}) runs again in one layer}: the
     * policy keeps every other GEMM's output in forward order, from the first, and recomputes the rest. The GEMMs are
     * counted as the layer issues them: GPT's fused qkv, proj, fc1, fc2 (Megatron's, nanoGPT's and MPT's layout) keep
     * qkv and fc1 and recompute proj and fc2, h² + f·h; a SwiGLU layer's q, k, v, o, gate, up, down (torchtitan's and
     * Hugging Face's Llama) keep q, v, gate and down and recompute k, o and up, h·kvWidth + h² + h·f. torchtitan counts
     * {@code aten.mm} calls, which its bias-free Llama issues for every linear layer; for GPT's biased layers (addmm) and
     * for MoE layers the same parity is an assumption: each of a token's k experts counts as the layer's MLP (k·f·h),
     * and the router's GEMM (its output kept) is left out of the count.
     */
    public static double opRecomputedGemmWeights(ModelSpec m) {
        double h = m.hidden(), f = m.ffnHidden(), k = m.moe().activeExperts();
        return m.mlp() == MlpKind.SWIGLU ? h * m.kvWidth() + h * h + k * h * f : h * h + k * f * h;
    }

    /**
     * {@return forward FLOPs per token one layer's operator-level recompute repeats}: 2 per weight of
     * {@link #opRecomputedGemmWeights}, and the attention core's 4·s·h when it is eager (its batched GEMMs are not
     * kept); a flash kernel's output is kept, so it does not run again.
     */
    public static double opRecomputedPerToken(ModelSpec m) {
        return 2.0 * opRecomputedGemmWeights(m) + (m.flashAttention() ? 0 : 4.0 * m.seqLen() * m.hidden());
    }

    /**
     * {@return weights of one layer's GEMMs a token runs through (12h² for GPT)}: an MoE layer's router (h·E) and its k
     * experts' MLPs, not all E
     */
    public static double gemmWeights(ModelSpec m) {
        double h = m.hidden(), kv = m.kvWidth(), f = m.ffnHidden();
        double mlp = m.moe().activeExperts() * (m.mlp() == MlpKind.SWIGLU ? 3 : 2) * h * f;
        return h * (h + 2 * kv) + h * h + mlp + (double) h * m.moe().experts();
    }

    /** Megatron's closed form for GPT, for tests: 72·B·s·L·h²·(1 + s/(6h) + V/(12·L·h)). */
    public static double megatronModel(long b, long s, long layers, long h, long vocab) {
        return 72.0 * b * s * layers * h * h * (1 + s / (6.0 * h) + vocab / (12.0 * layers * h));
    }

    /** Narayanan et al. 2021 eq. 3 (full recompute): 96·B·s·L·h²·(1 + s/(6h) + V/(16·L·h)). */
    public static double megatronFullRecompute(long b, long s, long layers, long h, long vocab) {
        return 96.0 * b * s * layers * h * h * (1 + s / (6.0 * h) + vocab / (16.0 * layers * h));
    }
}

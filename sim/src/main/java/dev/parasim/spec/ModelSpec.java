package dev.parasim.spec;

/**
 * A decoder-only transformer. {@code mlp} also names the family: {@code gelu} is GPT (biases,
 * LayerNorm, learned positions), {@code swiglu} is Llama (no biases, RMSNorm, rotary positions).
 *
 * @param dropout whether training applies dropout (after the embedding, on the attention probabilities and
 *                after each block's two residual branches), whose masks and dropped probabilities are
 *                activation memory (Korthikanti et al. 2022 eq. 1 counts them); the executed GPT has none
 * @param attention how the attention core runs ({@link AttentionKernel}): eager keeps the a·s² scores, flash does not
 * @param moe       the layers' mixture of experts ({@link Moe}), or {@link Moe#NONE} for a dense MLP
 */
public record ModelSpec(String name, int layers, int hidden, int heads, int kvHeads, int ffnHidden,
                        int vocab, int seqLen, MlpKind mlp, boolean tiedEmbeddings, boolean dropout,
                        AttentionKernel attention, Moe moe) {

    /** A dense model ({@link Moe#NONE}). */
    public ModelSpec(String name, int layers, int hidden, int heads, int kvHeads, int ffnHidden,
                     int vocab, int seqLen, MlpKind mlp, boolean tiedEmbeddings, boolean dropout, AttentionKernel attention) {
        this(name, layers, hidden, heads, kvHeads, ffnHidden, vocab, seqLen, mlp, tiedEmbeddings, dropout, attention, Moe.NONE);
    }

    /** A model with eager attention (Korthikanti et al.'s accounting, the executed GPT's kernel). */
    public ModelSpec(String name, int layers, int hidden, int heads, int kvHeads, int ffnHidden,
                     int vocab, int seqLen, MlpKind mlp, boolean tiedEmbeddings, boolean dropout) {
        this(name, layers, hidden, heads, kvHeads, ffnHidden, vocab, seqLen, mlp, tiedEmbeddings, dropout, AttentionKernel.EAGER);
    }

    public ModelSpec {
        Check.name("name", name);
        Check.atMost("layers", Check.positive("layers", layers), Limits.MAX_LAYERS);
        Check.atMost("hidden", Check.positive("hidden", hidden), Limits.MAX_HIDDEN);
        Check.atMost("heads", Check.positive("heads", heads), Limits.MAX_HEADS);
        Check.atMost("kvHeads", Check.positive("kvHeads", kvHeads), Limits.MAX_HEADS);
        Check.atMost("ffnHidden", Check.positive("ffnHidden", ffnHidden), Limits.MAX_FFN_HIDDEN);
        Check.atMost("vocab", Check.positive("vocab", vocab), Limits.MAX_VOCAB);
        Check.atMost("seqLen", Check.positive("seqLen", seqLen), Limits.MAX_SEQ_LEN);
        if (hidden % heads != 0) throw new SpecException("heads", "must divide hidden (" + hidden + ")", heads);
        if (kvHeads > heads || heads % kvHeads != 0)
            throw new SpecException("kvHeads", "must divide heads (" + heads + ")", kvHeads);
        if (attention == null) throw new SpecException("attention", "is required", null);
        if (moe == null) throw new SpecException("moe", "is required", null);
        double mlpWeights = (double) layers * moe.mlps() * 3 * hidden * ffnHidden;
        if (mlpWeights > Limits.MAX_MLP_WEIGHTS)
            throw new SpecException(moe.present() ? "moe.experts" : "ffnHidden", "must keep layers·experts·3·hidden·ffnHidden at most "
                    + "4.5·10^17", moe.present() ? moe.experts() : ffnHidden);
    }

    /** {@return whether the layers' MLPs are a mixture of experts} */
    public boolean isMoe() { return moe.present(); }

    public int headDim() { return hidden / heads; }

    /** {@return width of the K (or V) projection: kvHeads · headDim} */
    public long kvWidth() { return (long) kvHeads * headDim(); }

    /**
     * {@return one tensor-parallel rank's share of kvWidth: kvWidth/t when t divides kvHeads, else one whole head}:
     * with t > kvHeads Megatron replicates each K/V head over t/kvHeads ranks (t must then be a multiple of kvHeads)
     */
    public double kvWidthPerRank(int tp) { return tp <= kvHeads ? (double) kvWidth() / tp : headDim(); }

    /** {@return whether linear layers carry biases and norms are LayerNorm (GPT family)} */
    public boolean gptFamily() { return mlp == MlpKind.GELU; }

    /** {@return statistics each norm saves per token for its backward: mean and 1/σ (LayerNorm) or 1/rms (RMSNorm)} */
    public int normStatistics() { return gptFamily() ? 2 : 1; }

    /** {@return whether the attention core is one fused FlashAttention kernel (FlashAttention-2's or a Hopper-native one)} */
    public boolean flashAttention() { return attention == AttentionKernel.FLASH || attention == AttentionKernel.FLASH_HOPPER; }

    /** {@return a copy with another attention kernel} */
    public ModelSpec withAttention(AttentionKernel kernel) {
        return new ModelSpec(name, layers, hidden, heads, kvHeads, ffnHidden, vocab, seqLen, mlp, tiedEmbeddings, dropout, kernel, moe);
    }
}

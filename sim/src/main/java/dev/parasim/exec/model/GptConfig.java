package dev.parasim.exec.model;

import dev.parasim.spec.Check;
import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.SpecException;

/**
 * Shape of an executed GPT: GeLU MLP, tied embeddings, multi-head (not grouped) attention, and the probability with
 * which dropout zeroes an element (0: no dropout) after the embedding, on the attention probabilities, and on each
 * residual branch (attention projection, MLP), as GPT-2 and Megatron-LM place it.
 */
public record GptConfig(int layers, int hidden, int heads, int ffnHidden, int vocab, int seqLen, double dropout)
        implements java.io.Serializable {

    /** GPT-2's and Megatron-LM's dropout probability, which {@code model.dropout: true} runs with. */
    public static final double DROPOUT = 0.1;

    /** A shape without dropout. */
    public GptConfig(int layers, int hidden, int heads, int ffnHidden, int vocab, int seqLen) {
        this(layers, hidden, heads, ffnHidden, vocab, seqLen, 0);
    }

    public GptConfig {
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout: must be in [0, 1), found " + dropout);
        Check.positive("layers", layers);
        Check.positive("hidden", hidden);
        Check.positive("heads", heads);
        Check.positive("ffnHidden", ffnHidden);
        Check.positive("vocab", vocab);
        Check.positive("seqLen", seqLen);
        if (hidden % heads != 0) throw new SpecException("heads", "must divide hidden (" + hidden + ")", heads);
    }

    /** {@return the executable shape of {@code model}}, rejecting what this package does not implement. */
    public static GptConfig of(ModelSpec model) {
        if (model.mlp() != MlpKind.GELU)
            throw new SpecException("model.mlp", "executed models must be gelu", model.mlp());
        if (!model.tiedEmbeddings())
            throw new SpecException("model.tiedEmbeddings", "executed models must tie embeddings", false);
        if (model.kvHeads() != model.heads())
            throw new SpecException("model.kvHeads", "executed models must equal model.heads (" + model.heads() + ")",
                    model.kvHeads());
        return new GptConfig(model.layers(), model.hidden(), model.heads(), model.ffnHidden(), model.vocab(),
                model.seqLen(), model.dropout() ? DROPOUT : 0);
    }

    /** {@return width of one attention head: hidden / heads} */
    public int headDim() { return hidden / heads; }

    /** {@return number of parameter units: embedding, one per block, final LayerNorm} */
    public int units() { return layers + 2; }

    /**
     * {@return parameters of the model}: L(4h² + 2hf + f + 9h) + Vh + sh + 2h, which for f = 4h is
     * Narayanan et al. 2021 eq. (2) 12Lh² + 13Lh + Vh + sh plus the final LayerNorm's 2h.
     */
    public long parameterCount() {
        long h = hidden, f = ffnHidden;
        return layers * (4 * h * h + 2 * h * f + f + 9 * h) + (long) vocab * h + (long) seqLen * h + 2 * h;
    }
}

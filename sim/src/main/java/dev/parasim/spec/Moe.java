package dev.parasim.spec;

/**
 * A mixture-of-experts MLP in every layer (Shazeer et al. 2017; Fedus et al. 2022, Switch Transformers; Jiang et al.
 * 2024, Mixtral): a router, an h × E linear layer, sends each token to its {@code topK} best of {@code experts}
 * MLPs, each the model's MLP ({@code ffnHidden} wide, GeLU or SwiGLU as {@link ModelSpec#mlp}), and sums their outputs
 * weighted by the router's probabilities. Routing is taken as balanced (every expert receives k·T/E of T tokens, as the
 * load-balancing loss aims for) and dropless; shared experts and dense layers between MoE ones are not modelled.
 * {@link #NONE} is a dense model.
 */
public record Moe(int experts, int topK) {
    /** A dense model: one MLP, no router. */
    public static final Moe NONE = new Moe(0, 0);

    public Moe {
        if (experts != 0 || topK != 0) {
            Check.atMost("moe.experts", experts, Limits.MAX_EXPERTS);
            if (experts < 2) throw new SpecException("moe.experts", "must be at least 2", experts);
            Check.positive("moe.topK", topK);
            if (topK > experts) throw new SpecException("moe.topK", "must not exceed moe.experts (" + experts + ")", topK);
        }
    }

    /** {@return whether the layers' MLPs are experts} */
    public boolean present() { return experts > 0; }

    /** {@return MLPs a token runs through: topK, or 1 for a dense model} */
    public int activeExperts() { return present() ? topK : 1; }

    /** {@return MLPs a layer holds: experts, or 1 for a dense model} */
    public int mlps() { return present() ? experts : 1; }
}

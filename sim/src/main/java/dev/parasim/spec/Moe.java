package dev.parasim.spec;

/**
 * A mixture-of-experts MLP in every layer (Shazeer et al. 2017; Fedus et al. 2022, Switch Transformers; Jiang et al.
 * 2024, Mixtral): a router, an h × E linear layer, sends each token to its {@code topK} best of {@code experts}
 * MLPs, each the model's MLP ({@code ffnHidden} wide, GeLU or SwiGLU as {@link ModelSpec#mlp}), and sums their outputs
 * weighted by the router's probabilities. Routing is taken as balanced (every expert receives k·T/E of T tokens, as the
 * load-balancing loss aims for), so nothing is dropped; shared experts and dense layers between MoE ones are not
 * modelled. {@link #NONE} is a dense model.
 *
 * @param capacityFactor 0 for dropless experts (each takes what it is sent); else each expert's buffer holds
 *                       ⌈capacityFactor·k·T/E⌉ token slots of a rank's T tokens and is padded to them (GShard's and
 *                       Switch's expert capacity; Megatron-Core's {@code --moe-expert-capacity-factor} with
 *                       {@code --moe-pad-expert-input-to-capacity}): the dispatch, the experts' GEMMs and their kept
 *                       activations run on the slots; model FLOPs, MFU and (by choice: padded rows are run, but do no work) HFU count the
 *                       routed tokens. At
 *                       least 1 (balanced routing then drops nothing) and at most E/k (every slot of every expert).
 */
public record Moe(int experts, int topK, double capacityFactor) {
    /** A dense model: one MLP, no router. */
    public static final Moe NONE = new Moe(0, 0);

    public Moe {
        if (experts != 0 || topK != 0) {
            Check.atMost("moe.experts", experts, Limits.MAX_EXPERTS);
            if (experts < 2) throw new SpecException("moe.experts", "must be at least 2", experts);
            Check.positive("moe.topK", topK);
            if (topK > experts) throw new SpecException("moe.topK", "must not exceed moe.experts (" + experts + ")", topK);
            if (capacityFactor != 0 && !(capacityFactor >= 1 && capacityFactor <= (double) experts / topK))
                throw new SpecException("moe.capacityFactor", "must be between 1 and moe.experts/moe.topK ("
                        + experts + "/" + topK + "), or left out for dropless experts", capacityFactor);
        } else if (capacityFactor != 0) {
            throw new SpecException("moe.capacityFactor", "needs moe.experts", capacityFactor);
        }
    }

    /** Dropless experts. */
    public Moe(int experts, int topK) {
        this(experts, topK, 0);
    }

    /** {@return whether each expert's buffer is padded to a capacity (capacityFactor set)} */
    public boolean capped() { return capacityFactor > 0; }

    /**
     * {@return token slots the experts of a layer hold per token a rank routes, on average}: k·capacityFactor when
     * capped, k when dropless, 1 for a dense MLP: what the layer's expert GEMMs, kept tensors and element-wise traffic
     * scale with. {@link #slots} is the whole count, with its ceiling, and sets the AllToAll bytes; the two differ by
     * less than E slots of a rank's batch (a non-binary factor such as 1.1 also leaves the kept bytes fractional, which
     * the step program and the accountant may round a byte apart)
     */
    public double slotsPerToken() { return capped() ? topK * capacityFactor : activeExperts(); }

    /** {@return the expert slots of a rank's {@code tokens} tokens: E·⌈capacityFactor·k·T/E⌉ when capped, else k·T} */
    public long slots(long tokens) {
        // Megatron-Core's get_capacity order: ⌈(T·k/E)·cf⌉.
        return capped() ? (long) experts * (long) Math.ceil((double) tokens * topK / experts * capacityFactor)
                : (long) activeExperts() * tokens;
    }

    /** {@return whether the layers' MLPs are experts} */
    public boolean present() { return experts > 0; }

    /** {@return MLPs a token runs through: topK, or 1 for a dense model} */
    public int activeExperts() { return present() ? topK : 1; }

    /** {@return MLPs a layer holds: experts, or 1 for a dense model} */
    public int mlps() { return present() ? experts : 1; }
}

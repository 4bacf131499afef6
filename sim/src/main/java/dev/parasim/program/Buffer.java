package dev.parasim.program;

/**
 * A typed reference to a buffer an instruction reads, writes, allocates or frees: what it holds and, for the
 * per-unit buffers (parameters, gradients, optimizer state, gathered parameters, SP-partial gradients, a chunk's
 * activations), the stage-local unit (−1 for buffers that are not per unit). Instructions name buffers by these, never
 * by strings. Serializable, as the executor ships a stage's program to the ranks that run it.
 */
public record Buffer(Kind kind, int unit) implements java.io.Serializable {

    public Buffer {
        if (kind == null) throw new IllegalArgumentException("kind: is required");
        if (unit < -1) throw new IllegalArgumentException("unit: must be −1 or a unit index, found " + unit);
    }

    /** {@return the buffer of {@code kind} that is not per unit} */
    public static Buffer of(Kind kind) { return new Buffer(kind, -1); }

    /** {@return the buffer of {@code kind} for stage-local unit {@code unit}} */
    public static Buffer of(Kind kind, int unit) { return new Buffer(kind, unit); }

    /** What a buffer holds. */
    public enum Kind {
        /** the rank's parameters of a unit (its shard under ZeRO-3) */
        PARAMETERS,
        /** the rank's gradients of a unit (its shard under ZeRO-2/3) */
        GRADIENTS,
        /** the optimizer's master weights and moments of a unit (its shard under ZeRO-1/2/3) */
        OPTIMIZER_STATE,
        /** a ZeRO-3 unit's parameters gathered whole for one pass */
        GATHERED_PARAMETERS,
        /** under expert parallelism, a ZeRO-3 unit's experts gathered whole over their expert-data-parallel group */
        GATHERED_EXPERT_PARAMETERS,
        /** one bucket of the flat gradient (DDP's bucketed AllReduce) */
        GRADIENT_BUCKET,
        /** what a chunk's forward keeps for its backward (Korthikanti et al. 2022 Table 2 and the edge terms) */
        ACTIVATIONS,
        /** what a B or BW holds while it replays its layers under full recompute, beyond what the stage held before it */
        REPLAYED_ACTIVATIONS,
        /** what ZB-H1's B keeps for W: the linear layers' inputs and output gradients (Qi et al. 2024's M_W) */
        WEIGHT_GRAD_INPUTS,
        /** a chunk's output activation, sent to the next virtual stage */
        BOUNDARY_ACTIVATION,
        /** a chunk's input gradient, sent to the previous virtual stage */
        BOUNDARY_GRADIENT,
        /** a b·s·h activation (or its gradient) inside a TP block: the operand of its collectives */
        TP_ACTIVATION,
        /** the vocabulary-parallel cross-entropy's per-token statistics (max, Σeᶻ, target logit), fp32 */
        TP_LOSS_STATISTICS,
        /** a gradient tensor SP leaves partial on each TP rank (LayerNorm gains and biases, wpe), of its unit */
        SP_PARTIAL_GRADIENT,
        /** the tied word embedding's gradient (first and last stage) */
        TIED_GRADIENT,
        /** the keys and values ring attention passes to the next CP rank */
        CP_KEY_VALUE,
        /** an MoE layer's k·T routed token copies (or their gradients) an AllToAll sends to and from the experts' EP ranks */
        EP_TOKENS
    }
}

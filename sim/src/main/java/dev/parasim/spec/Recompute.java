package dev.parasim.spec;

/**
 * Activation recomputation: none; selective (the attention core, Korthikanti et al. 2022); selective-ops (operator
 * level, as torchtitan's op policy: the attention kernel's output and every other GEMM's are kept, the rest of the
 * layer is recomputed in its backward); or full (per layer only its input is kept, and a backward replays the layer's
 * forward first, holding its working set again while it runs: {@code memory.LayerReplay}).
 */
public enum Recompute implements Node.Labelled {
    NONE("none"),
    SELECTIVE("selective"),
    SELECTIVE_OPS("selective-ops"),
    FULL("full");

    private final String label;

    Recompute(String label) { this.label = label; }

    @Override public String label() { return label; }

    @Override public String toString() { return label; }
}

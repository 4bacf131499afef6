package dev.parasim.spec;

/** Activation recomputation: none, selective (attention core, Korthikanti et al. 2022) or full (per layer). */
public enum Recompute implements Node.Labelled {
    NONE("none"),
    SELECTIVE("selective"),
    FULL("full");

    private final String label;

    Recompute(String label) { this.label = label; }

    @Override public String label() { return label; }

    @Override public String toString() { return label; }
}

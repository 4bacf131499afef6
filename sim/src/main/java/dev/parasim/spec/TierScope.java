package dev.parasim.spec;

/** Where a link tier reaches: inside one node, or across the cluster. */
public enum TierScope implements Node.Labelled {
    NODE("node"),
    CLUSTER("cluster");

    private final String label;

    TierScope(String label) { this.label = label; }

    @Override public String label() { return label; }

    @Override public String toString() { return label; }
}

package dev.parasim.spec;

/** Optimizer whose state the memory model counts. */
public enum Optimizer implements Node.Labelled {
    ADAM("adam"),
    SGD("sgd");

    private final String label;

    Optimizer(String label) { this.label = label; }

    @Override public String label() { return label; }

    @Override public String toString() { return label; }
}

package dev.parasim.spec;

/** Feed-forward block: GeLU (two matrices) or SwiGLU (three). */
public enum MlpKind implements Node.Labelled {
    GELU("gelu"),
    SWIGLU("swiglu");

    private final String label;

    MlpKind(String label) { this.label = label; }

    @Override public String label() { return label; }

    @Override public String toString() { return label; }
}

package dev.parasim.exec;

/** What a live tensor holds, for the per-rank memory meter. */
public enum MemCategory {
    PARAMS("params"), GRADS("grads"), OPTIMIZER("optimizer"), ACTIVATIONS("activations"), COMM_BUFFERS("commBuffers");

    private final String label;

    MemCategory(String label) { this.label = label; }

    public String label() { return label; }
}

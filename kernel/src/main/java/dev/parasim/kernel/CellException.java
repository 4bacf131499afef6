package dev.parasim.kernel;

/**
 * A cell that failed: a compile error, an exception thrown by the cell's code, or an incomplete cell.
 * The message is what the notebook shows; it is deterministic (no hashes, snippet numbers or times).
 */
public final class CellException extends RuntimeException {
    private final String kind;

    public CellException(String kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    /** {@return "compile error", "incomplete", "unresolved" or the thrown exception's simple class name} */
    public String kind() { return kind; }
}

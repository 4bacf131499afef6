package dev.parasim.analytic;

import dev.parasim.collective.CollectiveKind;
import dev.parasim.collective.Transfer;
import dev.parasim.plan.Axis;

/**
 * One kind of communication a rank performs in a step: {@code count} repetitions of a collective on
 * the {@code axis} group, each sending {@code bytes} (exact) and costing {@code each} (time, tier split).
 */
public record CommOp(Axis axis, CollectiveKind kind, Phase phase, long count, long bytes, Transfer each) {

    /** When in the step the operation happens, which decides what it can overlap with. */
    public enum Phase {
        /** once per micro-batch, inside the forward pass */
        FORWARD,
        /** once per micro-batch, inside the backward pass */
        BACKWARD,
        /** once per step, during the last micro-batch's backward (gradient synchronisation) */
        GRADIENT_SYNC,
        /** once per step, after the optimizer step (parameter gather) */
        AFTER_STEP
    }

    public long totalBytes() { return count * bytes; }
}

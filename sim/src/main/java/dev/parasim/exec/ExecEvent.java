package dev.parasim.exec;

import java.io.Serializable;

/**
 * One thing a rank did in a step, in the order it did it, for the timeline interpreter to replay.
 *
 * @param kind       what happened
 * @param label      the op or collective (e.g. {@code RingAllReduce[DP]}), or the pass ({@code F3.1})
 * @param microBatch the micro-batch (−1 for per-step events)
 * @param chunk      the model chunk of the stage (0 unless interleaved; −1 for per-step events)
 * @param firstUnit  the first model unit a pass runs (−1 if none)
 * @param lastUnit   the last model unit a pass runs (−1 if none)
 * @param bytes      payload bytes sent or received (0 for passes)
 * @param flops      floating-point operations of a pass's matrix products (Narayanan et al. 2021 eq. 3 terms), 0 for messages
 * @param peer       the other rank of a send or receive (−1 otherwise)
 * @param superstep  the round of the enclosing op in which it happened
 * @param dependsOn  the event this one waits for, as {@code rank:label} (empty if only on program order)
 */
public record ExecEvent(Kind kind, String label, int microBatch, int chunk, int firstUnit, int lastUnit, long bytes,
                        double flops, int peer, int superstep, String dependsOn) implements Serializable {

    public ExecEvent {
        if (kind == null) throw new IllegalArgumentException("kind: is required");
        if (bytes < 0) throw new IllegalArgumentException("bytes: must be zero or positive, found " + bytes);
        dependsOn = dependsOn == null ? "" : dependsOn;
    }

    /** What an event is. */
    public enum Kind {
        /** forward pass of one micro-batch through one chunk */
        F,
        /** input-gradient backward (zero-bubble split) */
        B,
        /** weight-gradient backward (zero-bubble split) */
        W,
        /** the whole backward */
        BW,
        /** a point-to-point send */
        SEND,
        /** a point-to-point receive */
        RECV,
        /** a whole collective on a group, with the bytes this rank sent */
        COLLECTIVE,
        /** the optimizer update of what this rank owns */
        OPTIMIZER
    }
}

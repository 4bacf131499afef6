package dev.parasim.program;

import dev.parasim.collective.CollectiveKind;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;

import java.io.Serializable;

/**
 * One thing a rank of an executed run did in a step, in the order it did it: what the executor logs and the
 * timeline replays ({@code timeline.ExecutedReplay}), typed so that the replay parses no label.
 *
 * @param kind       what happened
 * @param label      how it reads in a trace (e.g. {@code F3.1}, {@code RingAllReduce[DP]}); display only
 * @param pass       the pass of a pass event; for a send or receive, the pass the message feeds (null otherwise)
 * @param microBatch the micro-batch (−1 for per-step events)
 * @param chunk      the model chunk of the stage that ran the pass, sent or received (0 unless interleaved; −1 for per-step events)
 * @param tagChunk   for a send or receive, the chunk of the receiving pass (a send's differs from {@code chunk} where
 *                   an interleaved pipeline wraps from the last stage to the first); −1 otherwise
 * @param firstUnit  the first model unit a pass or optimizer update runs (−1 if none)
 * @param lastUnit   the last model unit a pass or optimizer update runs (−1 if none)
 * @param bytes      payload bytes sent (send, collective) or received (receive); 0 for passes
 * @param flops      floating-point operations of a pass's matrix products (Narayanan et al. 2021 eq. 3 terms), 0 for messages
 * @param peer       the other rank of a send or receive (−1 otherwise)
 * @param collective the collective a {@link Kind#COLLECTIVE} event ran (null otherwise)
 * @param group      the group it ran on (null unless {@link Kind#COLLECTIVE})
 * @param superstep  the round of the enclosing op in which it happened
 * @param dependsOn  the event this one waits for, as {@code rank:label} (empty if only on program order)
 */
public record ExecutedEvent(Kind kind, String label, Pass pass, int microBatch, int chunk, int tagChunk, int firstUnit,
                            int lastUnit, long bytes, double flops, int peer, CollectiveKind collective, Group group,
                            int superstep, String dependsOn) implements Serializable {

    public ExecutedEvent {
        if (kind == null) throw new IllegalArgumentException("kind: is required");
        if (bytes < 0) throw new IllegalArgumentException("bytes: must be zero or positive, found " + bytes);
        boolean isPass = kind == Kind.F || kind == Kind.B || kind == Kind.W || kind == Kind.BW;
        if (isPass && (pass == null || !pass.name().equals(kind.name())))
            throw new IllegalArgumentException("pass: a " + kind + " event runs pass " + kind + ", found " + pass);
        if ((kind == Kind.SEND || kind == Kind.RECV) && (pass == null || peer < 0 || tagChunk < 0))
            throw new IllegalArgumentException("pass, peer, tagChunk: a " + kind + " names the pass it feeds and its peer, found "
                    + pass + ", " + peer + ", " + tagChunk);
        if ((kind == Kind.COLLECTIVE) != (collective != null && group != null))
            throw new IllegalArgumentException("collective, group: exactly a COLLECTIVE event names them, found "
                    + kind + " with " + collective + " on " + group);
        dependsOn = dependsOn == null ? "" : dependsOn;
    }

    /** {@return pass {@code pass} of micro-batch {@code microBatch} on {@code chunk} over units first..last} */
    public static ExecutedEvent pass(Pass pass, String label, int microBatch, int chunk, int firstUnit, int lastUnit,
                                     double flops, int superstep, String dependsOn) {
        return new ExecutedEvent(Kind.valueOf(pass.name()), label, pass, microBatch, chunk, -1, firstUnit, lastUnit, 0, flops,
                -1, null, null, superstep, dependsOn);
    }

    /** {@return a send by {@code chunk}'s pass of what feeds pass {@code feeds} of chunk {@code tagChunk} on rank {@code to}} */
    public static ExecutedEvent send(Pass feeds, int microBatch, int chunk, int tagChunk, long bytes, int to, int superstep) {
        return new ExecutedEvent(Kind.SEND, new PassRef(feeds, microBatch, tagChunk).toString(), feeds, microBatch, chunk,
                tagChunk, -1, -1, bytes, 0, to, null, null, superstep, "");
    }

    /** {@return the receipt from rank {@code from} of what feeds this rank's pass {@code feeds} of chunk {@code chunk}} */
    public static ExecutedEvent receive(Pass feeds, int microBatch, int chunk, long bytes, int from, int superstep) {
        return new ExecutedEvent(Kind.RECV, new PassRef(feeds, microBatch, chunk).toString(), feeds, microBatch, chunk, chunk,
                -1, -1, bytes, 0, from, null, null, superstep, "");
    }

    /** {@return a whole collective of {@code kind} on {@code group}, with the bytes this rank sent} */
    public static ExecutedEvent collective(CollectiveKind kind, Group group, String label, long bytes, int superstep) {
        return new ExecutedEvent(Kind.COLLECTIVE, label, null, -1, -1, -1, -1, -1, bytes, 0, -1, kind, group, superstep, "");
    }

    /** {@return the optimizer update of units first..last} */
    public static ExecutedEvent optimizer(int firstUnit, int lastUnit, int superstep) {
        return new ExecutedEvent(Kind.OPTIMIZER, "adam", null, -1, -1, -1, firstUnit, lastUnit, 0, 0, -1, null, null, superstep, "");
    }

    /** {@return for a send or receive, the pass the message feeds on the receiver} */
    public PassRef feeds() {
        if (kind != Kind.SEND && kind != Kind.RECV) throw new IllegalStateException(kind + " feeds no pass");
        return new PassRef(pass, microBatch, tagChunk);
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

    /** The group a collective ran on. */
    public enum Group {
        /** the ranks holding the same parameters: same tp index and stage */
        DP,
        /** the ranks sharing one layer's tensors: same dp index and stage */
        TP,
        /** the first and last pipeline stage of one replica, which both hold the tied word embedding (Megatron) */
        EMBEDDING
    }
}

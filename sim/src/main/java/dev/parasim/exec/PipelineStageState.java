package dev.parasim.exec;

import java.util.HashMap;
import java.util.Map;

/**
 * What a pipeline stage holds across the supersteps of one step ({@link RankState#scratch}): its position
 * in the pass order, the live micro-batch chunks (with their activations) keyed by {@link #key}, those whose
 * ZB-H1 B has run and whose W has not (holding what W needs), TP stages' phase objects and the current
 * pass's ops, and the activation bytes metered so far.
 */
final class PipelineStageState {
    final Map<Long, ExecModel.Pass> passes = new HashMap<>();
    final Map<Long, ExecModel.Pass> awaitingWeights = new HashMap<>();
    /**
     * The LayerNorm and embedding gradients a ZB-H1 B computed, added into the gradient buffers with its W's:
     * under ZeRO-2/3 those buffers exist only around the pass that reduce-scatters them, W (as on TP stages).
     */
    final Map<Long, Map<Integer, double[]>> gradsAwaitingWeights = new HashMap<>();
    /** TP stages: live micro-batch chunks' phase objects, ZB-H1's held ones, and the current pass's ops. */
    final Map<Long, TpPassState> tp = new HashMap<>();
    final Map<Long, TpPassState> tpAwaitingWeights = new HashMap<>();
    /** The current pass's ops (a plain stage's: {@link ZeroPasses#plain}), and the superstep a TP pass started in. */
    OpSequence inner;
    int innerStart;
    int next;
    long metered;
    /** A plain stage's current pass: the superstep of the step it runs in, the one it began in, its source rank (−1: none) and FLOPs. */
    int round;
    int started;
    int from;
    double flops;

    /** {@return the key of micro-batch {@code mb}, chunk {@code chunk} in the maps above} */
    static long key(int mb, int chunk) { return ((long) mb << 16) | chunk; }

    /** {@return the stage state in {@code rank}'s scratch}, failing if a serialization dropped it */
    static PipelineStageState of(RankState rank) {
        if (!(rank.scratch instanceof PipelineStageState l))
            throw new IllegalStateException("rank " + rank.rank() + ": the pipeline's activations are gone "
                    + "(its partition was serialized between supersteps)");
        return l;
    }

    /** Meters the change in activation bytes of every live pass, those awaiting their W included. */
    void meter(RankState rank) {
        long now = 0;
        for (ExecModel.Pass pass : passes.values()) now += pass.activationBytes();
        for (ExecModel.Pass pass : awaitingWeights.values()) now += pass.activationBytes();
        rank.meter(MemCategory.ACTIVATIONS, now - metered);
        metered = now;
    }

    /** Records the micro-batch chunks held between passes before their B (the schedule's in-flight count) and all activation bytes held. */
    void resident(RankState rank) {
        rank.noteInFlight(passes.size(), metered);
    }
}

package dev.parasim.workload;

import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.Recompute;

/**
 * The AllToAlls of expert parallelism, counted once for the step program and the accountant: a rank's k copies of its
 * T tokens, k·T·h elements, go to the experts' ranks (dispatch) and come back (combine), twice a layer in the forward
 * and twice in the backward (on the gradients); a layer's recompute replays some of them ({@link #replayedPerLayer}).
 */
public final class ExpertDispatch {
    private ExpertDispatch() {}

    /** AllToAlls a layer runs in one micro-batch's forward: dispatch and combine. */
    public static final int FORWARD_PER_LAYER = 2;

    /** {@return elements of one AllToAll on a rank holding {@code tokens} tokens: k·T·h (balanced routing)} */
    public static long elements(ModelSpec m, long tokens) {
        return tokens * m.moe().topK() * m.hidden();
    }

    /** {@return the AllToAlls a layer runs in one micro-batch's backward: the two on the gradients and the replayed ones} */
    public static int backwardPerLayer(Recompute recompute, boolean earlyStop, boolean dropout) {
        return 2 + replayedPerLayer(recompute, earlyStop, dropout);
    }

    /**
     * {@return the AllToAlls a layer's recompute replays}: full recompute replays the dispatch, and the combine unless the
     * checkpoint stops at the layer's last saved tensor (the experts' activated input, before their output GEMM; with
     * dropout the mask after the combine needs it); the operator-level policy keeps the AllToAll outputs (torchtitan's
     * policy saves them) and selective recompute replays attention only: none
     */
    public static int replayedPerLayer(Recompute recompute, boolean earlyStop, boolean dropout) {
        if (recompute != Recompute.FULL) return 0;
        return earlyStop && !dropout ? 1 : 2;
    }
}

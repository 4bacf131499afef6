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

    /**
     * {@return elements of one AllToAll on a rank holding {@code tokens} tokens}: k·T·h (balanced routing), or with an
     * expert capacity the padded slots', E·⌈cf·k·T/E⌉·h ({@link dev.parasim.spec.Moe#slots})
     */
    public static long elements(ModelSpec m, long tokens) {
        return m.moe().slots(tokens) * m.hidden();
    }

    /** {@return the AllToAlls a layer runs in one micro-batch's backward: the two on the gradients and the replayed ones} */
    public static int backwardPerLayer(Recompute recompute) {
        return 2 + replayedPerLayer(recompute);
    }

    /**
     * {@return the AllToAlls a layer's recompute replays}: full recompute replays both, dispatch and combine, even when
     * the checkpoint stops at the forward's last saved tensor (PyTorch's non-reentrant early stop): an MoE layer saves a
     * tensor after the combine (the unpermute's scatter-add keeps its indices, in Megatron-Core and torchtitan alike), so
     * the replay reaches it (Megatron-LM's own checkpoint is reentrant and replays everything); the operator-level policy keeps the
     * AllToAll outputs (torchtitan's policy saves them) and selective recompute replays attention only: none
     */
    public static int replayedPerLayer(Recompute recompute) {
        return recompute == Recompute.FULL ? 2 : 0;
    }
}

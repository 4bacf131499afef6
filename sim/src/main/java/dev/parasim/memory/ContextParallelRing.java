package dev.parasim.memory;

import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;

/**
 * Ring attention's key/value blocks under context parallelism (cp > 1): each layer's attention passes its K and V
 * around the CP group, one block of the rank's s/cp tokens per step, 2·(s/cp)·b·kvWidth/t elements at the activation
 * width. Beside the K and V the layer keeps anyway, its forward holds cp more by its last step: the packed copy of its
 * own it sends first and each of the cp − 1 it receives, which the step list keeps until the forward returns; its
 * backward holds four, two buffers each of a block and its gradient (dK, dV), one sent and one received — as
 * Transformer Engine's P2P ring (`AttnFuncWithCPAndKVP2P`, which Megatron-Core's context parallelism runs) allocates
 * them. They live while the layer's attention runs, so a stage holds them beside its activations and that layer's other
 * buffers at the peak.
 */
public final class ContextParallelRing {
    /** Blocks (K/V and their gradients) a layer's backward holds while its attention runs. */
    static final int BACKWARD_BLOCKS = 4;

    private ContextParallelRing() {}

    /** {@return one block's bytes, K and V of the rank's s/cp tokens on its TP shard of the heads; none without CP} */
    public static double blockBytes(ModelSpec m, ParallelPlan plan, int microBatch, int activationBytes) {
        if (plan.cp() == 1) return 0;
        return activationBytes * 2.0 * ((double) m.seqLen() / plan.cp()) * microBatch * m.kvWidthPerRank(plan.tp());
    }

    /** {@return what a layer's forward holds for the ring while its attention runs} */
    static double forward(ModelSpec m, ParallelPlan plan, int microBatch, int activationBytes) {
        return plan.cp() * blockBytes(m, plan, microBatch, activationBytes);
    }

    /** {@return the most a layer holds for the ring in either pass: a bound where the passes are not walked} */
    static double most(ModelSpec m, ParallelPlan plan, int microBatch, int activationBytes) {
        return Math.max(forward(m, plan, microBatch, activationBytes), backward(m, plan, microBatch, activationBytes));
    }

    /** {@return what a layer's backward holds for the ring while its attention runs} */
    static double backward(ModelSpec m, ParallelPlan plan, int microBatch, int activationBytes) {
        return BACKWARD_BLOCKS * blockBytes(m, plan, microBatch, activationBytes);
    }
}

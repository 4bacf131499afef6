package dev.parasim.exec;

import dev.parasim.spec.ZeroStage;

import java.io.Serializable;

/**
 * The numbers a data-parallel strategy program is built from.
 *
 * @param zero          DDP (stage 0) or ZeRO stage 1, 2, 3
 * @param precision     storage and wire types
 * @param dp            data-parallel ranks n
 * @param microBatches  m, micro-batches per rank per step
 * @param microBatch    sequences per micro-batch
 * @param seed          seed of the initial weights
 * @param learningRate  Adam learning rate
 * @param bucketElements DDP bucket size in gradient elements: ⌊bucketMB·1e6 / wire bytes per element⌋
 * @param recompute     full recompute: a forward keeps each transformer layer's input only, a backward replays the
 *                      layer's forward before its backward ({@code training.recompute: full})
 */
record Strategy(ZeroStage zero, PrecisionMode precision, int dp, int microBatches, int microBatch, long seed,
                       double learningRate, long bucketElements, boolean recompute) implements Serializable {

    public Strategy {
        if (dp <= 0) throw new IllegalArgumentException("dp: must be positive, found " + dp);
        if (microBatches <= 0) throw new IllegalArgumentException("microBatches: must be positive, found " + microBatches);
        if (bucketElements <= 0) throw new IllegalArgumentException("bucketElements: must be positive, found " + bucketElements);
    }

    /** {@return DDP's bucket size in elements for {@code bucketMB} (MB = 1e6 bytes) of {@code precision}'s wire type} */
    public static long bucketElements(double bucketMB, PrecisionMode precision) {
        return Math.max(1, (long) Math.floor(bucketMB * 1e6 / precision.working().bytes()));
    }
}

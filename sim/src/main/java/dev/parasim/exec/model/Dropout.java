package dev.parasim.exec.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/**
 * Inverted dropout (Srivastava et al. 2014; kept elements scaled by 1/(1 − p), so evaluation needs no rescaling) with
 * masks kept as 1-byte booleans, as PyTorch keeps them. Every mask is a pure function of the sequence's key
 * ({@link Batch#keys}), the unit and the site: sequence i's share of a tensor, consecutive in row-major order (its s
 * rows of a [b·s, h] activation, its heads' [s, s] blocks of the attention probabilities), is drawn from
 * {@code SplittableRandom(mix(key_i, unit, site))}. A rank, a micro-batch of any size and the single-device reference
 * therefore draw the same masks for the same sequence, and a replay under full recompute draws them again.
 */
final class Dropout {
    /** Where in a unit a mask applies. */
    enum Site { EMBEDDING, ATTENTION, ATTENTION_OUTPUT, MLP_OUTPUT }

    private Dropout() {}

    /**
     * {@return the keep mask of a tensor of {@code shape} (BOOL, 1 B an element) whose sequences each own
     * {@code length / keys.length} consecutive elements}, each kept with probability 1 − {@code p}
     */
    static INDArray mask(long[] keys, int unit, Site site, double p, long... shape) {
        long length = 1;
        for (long d : shape) length *= d;
        int per = Math.toIntExact(length / keys.length);
        boolean[] keep = new boolean[Math.toIntExact(length)];
        for (int i = 0; i < keys.length; i++) {
            SplittableRandom rng = new SplittableRandom(Seeds.mix(keys[i], unit, site.ordinal()));
            for (int j = 0; j < per; j++) keep[i * per + j] = rng.nextDouble() >= p;
        }
        return Nd4j.create(keep, shape, DataType.BOOL);
    }

    /** {@return x ⊙ mask / (1 − p), a new array of x's type} */
    static INDArray apply(INDArray x, INDArray mask, double p) {
        return x.mul(mask.castTo(x.dataType()).reshape(x.shape())).muli(1.0 / (1 - p));
    }
}

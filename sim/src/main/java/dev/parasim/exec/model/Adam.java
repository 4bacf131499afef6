package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam without weight decay (Kingma and Ba 2015, Algorithm 1, in PyTorch's arrangement of the bias
 * corrections), applied in place. Every operation is elementwise, so updating a shard of a flat
 * vector gives bit-for-bit the same values as updating the whole vector and taking that slice.
 */
public final class Adam {
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPS = 1e-8;

    private Adam() {}

    /**
     * One update at step t (1-based): m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
     * p ← p − (lr/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + ε). All four arrays must have the same length and type.
     */
    public static void step(INDArray params, INDArray grads, INDArray m, INDArray v, int t, double lr) {
        if (t < 1) throw new IllegalArgumentException("t: must be at least 1, found " + t);
        for (INDArray a : new INDArray[] {grads, m, v}) {
            if (a.length() != params.length() || a.dataType() != params.dataType())
                throw new IllegalArgumentException("grads, m and v: must match params (" + params.length() + " "
                        + params.dataType() + "), found " + a.length() + " " + a.dataType());
        }
        m.muli(BETA1).addi(grads.mul(1 - BETA1));
        v.muli(BETA2).addi(grads.mul(grads).muli(1 - BETA2));
        double correction1 = 1 - Math.pow(BETA1, t);
        double correction2 = 1 - Math.pow(BETA2, t);
        INDArray denominator = Transforms.sqrt(v, true).divi(Math.sqrt(correction2)).addi(EPS);
        params.subi(m.div(denominator).muli(lr / correction1));
    }
}

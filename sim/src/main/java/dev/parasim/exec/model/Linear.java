package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Affine map y = x·W + b on rows: x [n, in], W [in, out], b [out]. */
final class Linear {
    private Linear() {}

    /** {@return x·W + b} */
    static INDArray forward(INDArray x, INDArray w, INDArray b) {
        return x.mmul(w).addiRowVector(b);
    }

    /**
     * Hands layer {@code name}'s gradients (name.w += xᵀ·dy, name.b += Σ_rows dy) to {@code grads};
     * {@return dy·Wᵀ, the gradient w.r.t. x}
     */
    static INDArray backward(INDArray x, INDArray w, INDArray dy, WeightGrads grads, String name) {
        grads.linear(name + ".w", name + ".b", x, dy);
        return dy.mmul(w.transpose());
    }
}

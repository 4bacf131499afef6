package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Affine map y = x·W + b on rows: x [n, in], W [in, out], b [out]. */
final class Linear {
    private Linear() {}

    /** {@return x·W + b} */
    static INDArray forward(INDArray x, INDArray w, INDArray b) {
        return x.mmul(w).addiRowVector(b);
    }

    /** Adds xᵀ·dy to dw and Σ_rows dy to db; {@return dy·Wᵀ, the gradient w.r.t. x} */
    static INDArray backward(INDArray x, INDArray w, INDArray dy, INDArray dw, INDArray db) {
        dw.addi(x.transpose().mmul(dy));
        db.addi(dy.sum(0));
        return dy.mmul(w.transpose());
    }
}

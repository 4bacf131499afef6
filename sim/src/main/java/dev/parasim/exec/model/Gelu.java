package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** GeLU, tanh approximation (Hendrycks and Gimpel 2016 §2): ½u(1 + tanh(√(2/π)(u + 0.044715u³))). */
final class Gelu {
    private static final double C = Math.sqrt(2 / Math.PI);
    private static final double K = 0.044715;

    private Gelu() {}

    /** {@return gelu(u), elementwise} */
    static INDArray forward(INDArray u) {
        INDArray t = tanhOfInner(u);
        return t.addi(1.0).muli(u).muli(0.5);
    }

    /** {@return du = da · gelu′(u)}, gelu′(u) = ½(1 + t) + ½u(1 − t²)·√(2/π)(1 + 3·0.044715u²) */
    static INDArray backward(INDArray u, INDArray da) {
        INDArray t = tanhOfInner(u);
        INDArray slope = u.mul(u).muli(3 * K).addi(1.0).muli(C);
        INDArray oneMinusT2 = t.mul(t).rsubi(1.0);
        INDArray derivative = oneMinusT2.muli(slope).muli(u).addi(t).addi(1.0).muli(0.5);
        return derivative.muli(da);
    }

    private static INDArray tanhOfInner(INDArray u) {
        INDArray inner = u.mul(u).muli(u).muli(K).addi(u).muli(C);
        return Transforms.tanh(inner, false);
    }
}

package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** LayerNorm over the last dimension of [n, h] rows (Ba et al. 2016): y = g·(x − μ)/√(σ² + ε) + b. */
final class LayerNorm {
    /** ε added to the variance (GPT-2's and PyTorch's default). */
    static final double EPS = 1e-5;

    private LayerNorm() {}

    /** The normalised output and the per-row statistics backward needs: mean and 1/√(σ² + ε), each [n, 1]. */
    record Out(INDArray y, INDArray mean, INDArray rstd) {}

    static Out forward(INDArray x, INDArray g, INDArray b) {
        long n = x.rows();
        INDArray mean = x.mean(1).reshape(n, 1);
        INDArray centred = x.subColumnVector(mean);
        INDArray variance = centred.mul(centred).mean(1).reshape(n, 1);
        INDArray rstd = Transforms.sqrt(variance.addi(EPS), false).rdivi(1.0);
        INDArray y = centred.muliColumnVector(rstd).muliRowVector(g).addiRowVector(b);
        return new Out(y, mean, rstd);
    }

    /**
     * Adds norm {@code name}'s gradients (name.g += Σ dy·x̂, name.b += Σ dy) through {@code grads} at once (in B
     * under ZB-H1 too: they keep nothing for W);
     * {@return dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))} with dx̂ = dy·g, the standard LayerNorm backward.
     */
    static INDArray backward(INDArray x, INDArray mean, INDArray rstd, INDArray g, INDArray dy, WeightGrads grads, String name) {
        long n = x.rows();
        INDArray xhat = x.subColumnVector(mean).muliColumnVector(rstd);
        grads.layerNorm(name + ".g", name + ".b", xhat, dy);
        INDArray dxhat = dy.mulRowVector(g);
        INDArray meanDxhat = dxhat.mean(1).reshape(n, 1);
        INDArray meanDxhatXhat = dxhat.mul(xhat).mean(1).reshape(n, 1);
        return dxhat.subiColumnVector(meanDxhat).subi(xhat.mulColumnVector(meanDxhatXhat)).muliColumnVector(rstd);
    }
}

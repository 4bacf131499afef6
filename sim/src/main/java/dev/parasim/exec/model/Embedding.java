package dev.parasim.exec.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;

/**
 * Token plus learned position embedding: row i·s + t of the output is wte[token(i, t)] + wpe[t], dropped with
 * probability p ({@link Dropout}, unit 0; its mask kept, 1 B an element).
 */
final class Embedding {
    private Embedding() {}

    static Activation forward(INDArray wte, INDArray wpe, Batch batch, double p) {
        int b = batch.sequences(), s = batch.seqLen();
        int[] tokens = batch.flatTokens();
        INDArray x = wte.getRows(tokens);
        INDArray positions = wpe.get(NDArrayIndex.interval(0, s), NDArrayIndex.all());
        x.addi(Nd4j.tile(positions, b, 1));
        INDArray ids = Nd4j.createFromArray(tokens).reshape(b, s).castTo(DataType.INT32);
        if (p == 0) return new Activation(x, null, Map.of("tokens", ids));
        INDArray mask = Dropout.mask(batch.keys(), 0, Dropout.Site.EMBEDDING, p, x.shape());
        return new Activation(Dropout.apply(x, mask, p), null, Map.of("tokens", ids, "mask", mask));
    }

    /** Adds wte += onehot(tokens)ᵀ·dx and Σ_sequences dx into the first s rows of wpe through {@code grads}, at once (in B under ZB-H1 too). */
    static void backward(Activation cached, INDArray dOut, WeightGrads grads, double p) {
        INDArray ids = cached.saved("tokens");
        INDArray dx = p == 0 ? dOut : Dropout.apply(dOut, cached.saved("mask"), p);
        grads.now(g -> {
            INDArray dwte = g.get("wte");
            int b = (int) ids.size(0), s = (int) ids.size(1);
            long n = (long) b * s;
            INDArray oneHot = Nd4j.zeros(dx.dataType(), n, dwte.rows());
            for (long i = 0; i < n; i++) oneHot.putScalar(i, ids.getInt((int) (i / s), (int) (i % s)), 1.0);
            dwte.addi(oneHot.transpose().mmul(dx));
            INDArray positionGrad = dx.reshape('c', b, s, dx.columns()).sum(0);
            g.get("wpe").get(NDArrayIndex.interval(0, s), NDArrayIndex.all()).addi(positionGrad);
        });
    }
}

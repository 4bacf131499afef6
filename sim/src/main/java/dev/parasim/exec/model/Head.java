package dev.parasim.exec.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Map;

/**
 * LM head tied to the token embedding, logits = y·wteᵀ [b·s, V], and the next-token cross-entropy
 * averaged over the b·s tokens: L = (1/n) Σ_i (log Σ_v e^{z_iv} − z_i,target(i)).
 */
final class Head {
    private Head() {}

    static Activation forward(INDArray wte, INDArray y, Batch batch) {
        int[] targets = batch.flatTargets();
        long n = targets.length;
        INDArray logits = y.mmul(wte.transpose());
        logits.subiColumnVector(logits.max(1).reshape(n, 1));
        INDArray probs = Transforms.exp(logits, true);
        INDArray sums = probs.sum(1).reshape(n, 1);
        probs.diviColumnVector(sums);
        double total = 0;
        for (int i = 0; i < n; i++) total += Math.log(sums.getDouble(i, 0)) - logits.getDouble(i, targets[i]);
        INDArray loss = Nd4j.scalar(DataType.DOUBLE, total / n).reshape(1);
        INDArray ids = Nd4j.createFromArray(targets).castTo(DataType.INT32);
        return new Activation(loss, y, Map.of("probs", probs, "targets", ids));
    }

    /**
     * Hands {@code grads} wte += dzᵀ·y with dz = (softmax(z) − onehot(target))/n (deferred: keeping dz [b·s, V]
     * and y); {@return dz·wte, the gradient w.r.t. y}
     */
    static INDArray backward(INDArray wte, Activation cached, WeightGrads grads) {
        INDArray dz = cached.saved("probs").dup();
        INDArray targets = cached.saved("targets");
        long n = dz.rows();
        for (int i = 0; i < n; i++) {
            int t = targets.getInt(i);
            dz.putScalar(i, t, dz.getDouble(i, t) - 1.0);
        }
        dz.divi(n);
        grads.linear("wte", null, dz, cached.input());
        return dz.mmul(wte);
    }
}

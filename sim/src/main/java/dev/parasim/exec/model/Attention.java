package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Causal multi-head scaled dot-product attention (Vaswani et al. 2017 eq. 1) on the fused QKV rows
 * [b·s, 3h]: columns [0, h) are Q, [h, 2h) K, [2h, 3h) V, head j using columns [j·d, (j+1)·d) of each.
 * Heads are batched as [b·heads, s, d] tensors.
 */
final class Attention {
    private Attention() {}

    /** Output rows [b·s, h] and what backward needs: split-head Q, K, V [b·heads, s, d] and probabilities P [b·heads, s, s]. */
    record Out(INDArray att, INDArray q, INDArray k, INDArray v, INDArray p) {}

    static Out forward(INDArray qkv, int b, int s, int heads) {
        int h = (int) (qkv.columns() / 3), d = h / heads;
        INDArray q = splitHeads(qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(0, h)), b, s, heads);
        INDArray k = splitHeads(qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(h, 2 * h)), b, s, heads);
        INDArray v = splitHeads(qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * h, 3 * h)), b, s, heads);
        INDArray scores = Nd4j.matmul(q, k, false, true, false).muli(1.0 / Math.sqrt(d));
        INDArray p = causalSoftmax(scores, s);
        INDArray att = mergeHeads(Nd4j.matmul(p, v), b, s, heads);
        return new Out(att, q, k, v, p);
    }

    /** {@return dqkv [b·s, 3h] given the output gradient dAtt [b·s, h]} */
    static INDArray backward(INDArray dAtt, INDArray q, INDArray k, INDArray v, INDArray p, int b, int s, int heads) {
        int d = (int) q.size(2);
        INDArray dOut = splitHeads(dAtt, b, s, heads);
        INDArray dp = Nd4j.matmul(dOut, v, false, true, false);
        INDArray dv = Nd4j.matmul(p, dOut, true, false, false);
        INDArray ds = softmaxBackward(p, dp, s).muli(1.0 / Math.sqrt(d));
        INDArray dq = Nd4j.matmul(ds, k);
        INDArray dk = Nd4j.matmul(ds, q, true, false, false);
        return Nd4j.hstack(mergeHeads(dq, b, s, heads), mergeHeads(dk, b, s, heads), mergeHeads(dv, b, s, heads));
    }

    /** {@return dS = P ⊙ (dP − Σ_j P_j·dP_j) per row; masked entries have P = 0 and get 0} */
    private static INDArray softmaxBackward(INDArray p, INDArray dp, int s) {
        long rows = p.length() / s;
        INDArray prod = dp.mul(p).reshape('c', rows, s);
        INDArray rowSums = prod.sum(1).reshape(rows, 1);
        INDArray ds = prod.subi(p.reshape('c', rows, s).mulColumnVector(rowSums));
        return ds.reshape('c', rows / s, s, s);
    }

    private static INDArray causalSoftmax(INDArray scores, int s) {
        long rows = scores.length() / s;
        double[] mask = new double[s * s];
        for (int i = 0; i < s; i++) for (int j = i + 1; j < s; j++) mask[i * s + j] = Double.NEGATIVE_INFINITY;
        INDArray masked = scores.reshape('c', rows / s, (long) s * s)
                .addiRowVector(Nd4j.createFromArray(mask).castTo(scores.dataType()));
        INDArray flat = masked.reshape('c', rows, s);
        flat.subiColumnVector(flat.max(1).reshape(rows, 1));
        Transforms.exp(flat, false);
        flat.diviColumnVector(flat.sum(1).reshape(rows, 1));
        return flat.reshape('c', rows / s, s, s);
    }

    /** {@return rows [b·s, heads·d] as [b·heads, s, d]} */
    private static INDArray splitHeads(INDArray rows, int b, int s, int heads) {
        long d = rows.columns() / heads;
        return rows.dup('c').reshape('c', b, s, heads, d).permute(0, 2, 1, 3).dup('c').reshape('c', (long) b * heads, s, d);
    }

    /** {@return [b·heads, s, d] as rows [b·s, heads·d]} */
    private static INDArray mergeHeads(INDArray x, int b, int s, int heads) {
        long d = x.size(2);
        return x.reshape('c', b, heads, s, d).permute(0, 2, 1, 3).dup('c').reshape('c', (long) b * s, heads * d);
    }
}

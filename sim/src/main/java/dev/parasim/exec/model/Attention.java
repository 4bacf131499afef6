package dev.parasim.exec.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Causal multi-head scaled dot-product attention (Vaswani et al. 2017 eq. 1) on the fused QKV rows
 * [b·s, 3h]: columns [0, h) are Q, [h, 2h) K, [2h, 3h) V, head j using columns [j·d, (j+1)·d) of each.
 * Heads are batched as [b·heads, s, d] tensors.
 */
final class Attention {
    private static final Map<Long, INDArray> MASKS = new ConcurrentHashMap<>();

    private Attention() {}

    /**
     * Output rows [b·s, h] and what backward needs: split-head Q, K, V [b·heads, s, d], probabilities P [b·heads, s, s]
     * and, with dropout, the dropped probabilities the output was computed from (else null)
     */
    record Out(INDArray att, INDArray q, INDArray k, INDArray v, INDArray p, INDArray dropped) {}

    static Out forward(INDArray qkv, int b, int s, int heads) {
        return forward(qkv, b, s, heads, null, 0);
    }

    /** Forward with the probabilities dropped by {@code mask} (kept with 1 − p, {@link Dropout}); none when mask is null. */
    static Out forward(INDArray qkv, int b, int s, int heads, INDArray mask, double dropout) {
        long h = qkv.columns() / 3, d = h / heads, bh = (long) b * heads;
        // [b·s, 3h] → [b, s, 3, heads, d] → [3, b, heads, s, d]: one copy, then Q, K, V are contiguous views.
        INDArray split = qkv.reshape('c', b, s, 3, heads, d).permute(2, 0, 3, 1, 4).dup('c').reshape('c', 3, bh, s, d);
        INDArray q = split.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        INDArray k = split.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        INDArray v = split.get(NDArrayIndex.point(2), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        INDArray scores = Nd4j.matmul(q, k, false, true, false).muli(1.0 / Math.sqrt(d));
        INDArray p = causalSoftmax(scores, s);
        INDArray dropped = mask == null ? null : Dropout.apply(p, mask, dropout);
        INDArray att = Nd4j.matmul(mask == null ? p : dropped, v).reshape('c', b, heads, s, d).permute(0, 2, 1, 3).dup('c')
                .reshape('c', (long) b * s, h);
        return new Out(att, q, k, v, p, dropped);
    }

    /** {@return dqkv [b·s, 3h] given the output gradient dAtt [b·s, h]} */
    static INDArray backward(INDArray dAtt, INDArray q, INDArray k, INDArray v, INDArray p, int b, int s, int heads) {
        return backward(dAtt, q, k, v, p, null, null, 0, b, s, heads);
    }

    /** Backward through dropped probabilities ({@code mask}, {@code dropped} = P ⊙ mask / (1 − p)); none when mask is null. */
    static INDArray backward(INDArray dAtt, INDArray q, INDArray k, INDArray v, INDArray p, INDArray mask, INDArray dropped,
                             double dropout, int b, int s, int heads) {
        long d = q.size(2), h = heads * d;
        INDArray dOut = dAtt.reshape('c', b, s, heads, d).permute(0, 2, 1, 3).dup('c').reshape('c', (long) b * heads, s, d);
        INDArray dDropped = Nd4j.matmul(dOut, v, false, true, false);
        INDArray dp = mask == null ? dDropped : Dropout.apply(dDropped, mask, dropout);
        INDArray dv = Nd4j.matmul(mask == null ? p : dropped, dOut, true, false, false);
        INDArray ds = softmaxBackward(p, dp, s).muli(1.0 / Math.sqrt(d));
        INDArray dq = Nd4j.matmul(ds, k);
        INDArray dk = Nd4j.matmul(ds, q, true, false, false);
        // [3, b, heads, s, d] → [b, s, 3, heads, d] = rows [b·s, 3h] in the fused QKV column order.
        return Nd4j.stack(0, dq, dk, dv).reshape('c', 3, b, heads, s, d).permute(1, 3, 0, 2, 4).dup('c')
                .reshape('c', (long) b * s, 3 * h);
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
        INDArray masked = scores.reshape('c', rows / s, (long) s * s).addiRowVector(mask(s, scores.dataType()));
        INDArray flat = masked.reshape('c', rows, s);
        flat.subiColumnVector(flat.max(1).reshape(rows, 1));
        Transforms.exp(flat, false);
        flat.diviColumnVector(flat.sum(1).reshape(rows, 1));
        return flat.reshape('c', rows / s, s, s);
    }

    /** {@return the flattened [s, s] additive causal mask: 0 on and below the diagonal, −∞ above; cached, read-only} */
    private static INDArray mask(int s, DataType dtype) {
        return MASKS.computeIfAbsent(((long) s << 8) | dtype.ordinal(), key -> {
            double[] mask = new double[s * s];
            for (int i = 0; i < s; i++) for (int j = i + 1; j < s; j++) mask[i * s + j] = Double.NEGATIVE_INFINITY;
            return Nd4j.createFromArray(mask).castTo(dtype);
        });
    }
}

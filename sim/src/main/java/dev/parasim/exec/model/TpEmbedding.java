package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * One rank's share of the vocabulary-parallel embedding (unit 0) for one micro-batch (Shoeybi et al.
 * 2019 §3, "input embedding weight matrix ... parallelized along the vocabulary dimension"): rank r
 * holds wte rows [r·V/t, (r+1)·V/t) and a full copy of wpe.
 * <pre>
 * forward:  p = lookupPartial()          R(p) → addPositions → embedding output (local rows)
 * backward: dx (local)                   G(dx) → backward
 * </pre>
 * R is {@link TpMode#reduceKind()} on b·s·h elements; G is an AllGather of b·s·h gathered elements
 * under SEQUENCE and the identity under TENSOR. Under SEQUENCE the wpe gradient is partial.
 */
public final class TpEmbedding {
    private final TpRegion region;
    private final Map<String, INDArray> w;
    private final Map<String, INDArray> g;
    private final INDArray oneHot;

    TpEmbedding(TpRegion region, Map<String, INDArray> w, Map<String, INDArray> g, Batch batch, int vocab) {
        this.region = region;
        this.w = w;
        this.g = g;
        this.oneHot = vocabOneHot(region.gathered(batch.flatTokens()), region.rank, vocab / region.t,
                w.get("wte").dataType());
    }

    /**
     * Forward 1: {@return the partial lookup [b·s, h] (gathered order)}: wte rows of the tokens in this
     * rank's vocabulary range, zero rows elsewhere (Shoeybi et al. 2019 §3); caller reduces it.
     */
    public INDArray lookupPartial() {
        return oneHot.mmul(w.get("wte"));
    }

    /** Forward 2: {@return the embedding output [local rows, h]}: the reduced lookup plus wpe rows of this rank's positions. */
    public INDArray addPositions(INDArray lookupReducedLocal) {
        region.checkRows("lookupReducedLocal", lookupReducedLocal, region.localRows());
        int[] pos = region.positions();
        int[] rows = new int[region.b * pos[1]];
        for (int k = 0; k < rows.length; k++) rows[k] = pos[0] + k % pos[1];
        return lookupReducedLocal.add(w.get("wpe").getRows(rows));
    }

    /**
     * Backward, from the gathered gradient of the embedding output: adds onehotᵀ·dx into this rank's
     * wte rows and the local rows' sum over sequences into wpe (partial under SEQUENCE).
     */
    public void backward(INDArray dxGathered) {
        g.get("wte").addi(oneHot.transpose().mmul(dxGathered));
        int[] pos = region.positions();
        INDArray local = region.local(dxGathered);
        INDArray positionGrad = local.reshape('c', region.b, pos[1], local.columns()).sum(0);
        for (int j = 0; j < pos[1]; j++) g.get("wpe").getRow(pos[0] + j).addi(positionGrad.getRow(j));
    }

    /** {@return [n, V/t] with a one where token k falls in rank r's vocabulary rows} */
    static INDArray vocabOneHot(int[] ids, int rank, int vocabPerRank, org.nd4j.linalg.api.buffer.DataType dtype) {
        INDArray oneHot = Nd4j.zeros(dtype, ids.length, vocabPerRank);
        int first = rank * vocabPerRank;
        for (int k = 0; k < ids.length; k++) {
            int local = ids[k] - first;
            if (local >= 0 && local < vocabPerRank) oneHot.putScalar(k, local, 1.0);
        }
        return oneHot;
    }
}

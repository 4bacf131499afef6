package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Row orders of one rank's activations for a micro-batch of b sequences of s tokens. Natural order:
 * row i·s + tok. Local rows: all b·s (TENSOR) or, under SEQUENCE, rank r's b·s/t rows i·(s/t) + j for
 * token r·s/t + j of sequence i. Gathered order: natural (TENSOR) or rank-major (SEQUENCE), i.e. the t
 * local blocks stacked in rank order, which is exactly what an AllGather of the local blocks yields and
 * what a ReduceScatter into t equal contiguous chunks splits back into local blocks.
 */
final class TpRegion {
    final TpMode mode;
    final int t;
    final int rank;
    final int b;
    final int s;

    TpRegion(TpMode mode, int t, int rank, int b, int s) {
        if (rank < 0 || rank >= t) throw new IllegalArgumentException("rank: must be in [0, " + (t - 1) + "], found " + rank);
        if (mode == TpMode.SEQUENCE && s % t != 0)
            throw new IllegalArgumentException("batch.seqLen: must be divisible by tp (" + t + ") under sequence parallelism, found " + s);
        this.mode = mode;
        this.t = t;
        this.rank = rank;
        this.b = b;
        this.s = s;
    }

    /** {@return rows a rank holds outside the TP regions: b·s, or b·s/t under SEQUENCE} */
    long localRows() { return mode.gathers() ? (long) b * s / t : (long) b * s; }

    /** {@return positions this rank holds per sequence: [first, first + count)} as {first, count} */
    int[] positions() { return mode.gathers() ? new int[] {rank * (s / t), s / t} : new int[] {0, s}; }

    /** {@return a gathered-order [b·s, h] tensor in natural order} */
    INDArray natural(INDArray gathered) {
        checkRows("gathered", gathered, (long) b * s);
        if (!mode.gathers()) return gathered;
        long h = gathered.columns();
        return gathered.reshape('c', t, b, s / t, h).permute(1, 0, 2, 3).dup('c').reshape('c', (long) b * s, h);
    }

    /** {@return a natural-order [b·s, h] tensor in gathered order} */
    INDArray gathered(INDArray natural) {
        if (!mode.gathers()) return natural;
        long h = natural.columns();
        return natural.reshape('c', b, t, s / t, h).permute(1, 0, 2, 3).dup('c').reshape('c', (long) b * s, h);
    }

    /** {@return natural-order per-token ids (index i·s + tok) in gathered order} */
    int[] gathered(int[] natural) {
        if (!mode.gathers()) return natural.clone();
        int[] out = new int[natural.length];
        int c = s / t, k = 0;
        for (int r = 0; r < t; r++) for (int i = 0; i < b; i++) for (int j = 0; j < c; j++) out[k++] = natural[i * s + r * c + j];
        return out;
    }

    /** {@return this rank's local rows of a gathered-order tensor (a view)} */
    INDArray local(INDArray gathered) {
        checkRows("gathered", gathered, (long) b * s);
        if (!mode.gathers()) return gathered;
        long n = localRows();
        return gathered.get(NDArrayIndex.interval(rank * n, (rank + 1) * n), NDArrayIndex.all());
    }

    void checkRows(String what, INDArray x, long rows) {
        if (x.rank() != 2 || x.rows() != rows)
            throw new IllegalArgumentException(what + ": must have " + rows + " rows, found shape " + java.util.Arrays.toString(x.shape()));
    }
}

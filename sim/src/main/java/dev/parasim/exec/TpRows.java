package dev.parasim.exec;

import dev.parasim.exec.model.TensorParallel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The flat buffers a TP stage pass's phases ({@link TpStagePass.Phase}) hand to and take from their ring collectives:
 * {@code tpx} (the b·s·h activation or gradient a G or R runs on), {@code tpy} (SP's re-gathered column-parallel
 * input) and {@code tpl} (the loss statistics, two per token), viewed as row-major arrays of the pass's dtype.
 */
final class TpRows {
    private TpRows() {}

    static int tokens(RankState rank) { return rank.buf("tpl").length() / 2; }

    static void write(RankState rank, String buffer, INDArray value) {
        rank.buf(buffer).setFrom(Nd4j.toFlattened('c', value), 0);
    }

    /** Leaves local rows for G: in this rank's chunk of {@code tpx} (SEQUENCE), or in the phase objects (TENSOR). */
    static void toGather(RankState rank, TpPassState live, TensorParallel tp, int r, INDArray localRows) {
        if (!tp.mode().gathers()) {
            live.pending = localRows;
            return;
        }
        Buf b = rank.buf("tpx");
        b.setFrom(Nd4j.toFlattened('c', localRows), r * (b.length() / tp.degree()));
    }

    /** Leaves a column-parallel layer's local input in this rank's chunk of {@code tpy} for its backward re-gather. */
    static void toGatherAgain(RankState rank, TensorParallel tp, int r, INDArray localRows) {
        Buf b = rank.buf("tpy");
        b.setFrom(Nd4j.toFlattened('c', localRows), r * (b.length() / tp.degree()));
    }

    /** {@return the re-gathered column-parallel input in {@code tpy}} */
    static INDArray regathered(RankState rank, TpPassState live) {
        Buf b = rank.buf("tpy");
        int h = b.length() / (live.batch.sequences() * live.batch.seqLen());
        return b.toNd(0, b.length(), live.dtype).reshape('c', b.length() / h, h);
    }

    /** {@return the result of G: all of {@code tpx} (SEQUENCE) or the tensor left by {@link #toGather} (TENSOR)} */
    static INDArray gathered(RankState rank, TpPassState live, TensorParallel tp) {
        if (tp.mode().gathers()) return rows(rank, live, 0, rank.buf("tpx").length());
        INDArray x = live.pending;
        live.pending = null;
        return x;
    }

    /** {@return the result of R (or a received boundary slice): this rank's local rows of {@code tpx}, all of it under TENSOR} */
    static INDArray local(RankState rank, TpPassState live, TensorParallel tp, int r) {
        int length = rank.buf("tpx").length();
        if (!tp.mode().gathers()) return rows(rank, live, 0, length);
        int c = length / tp.degree();
        return rows(rank, live, r * c, c);
    }

    static INDArray rows(RankState rank, TpPassState live, int from, int count) {
        int h = rank.buf("tpx").length() / (live.batch.sequences() * live.batch.seqLen());
        return rank.buf("tpx").toNd(from, count, live.dtype).reshape('c', count / h, h);
    }

    static INDArray vector(RankState rank, TpPassState live, int from) {
        return rank.buf("tpl").toNd(from, tokens(rank), live.dtype);
    }
}

package dev.parasim.exec.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One block driven phase by phase with the collectives written out as an executor would run them:
 * AllGather = the local blocks stacked in rank order, ReduceScatter = the sum cut into t contiguous chunks.
 */
class TpBlockTest {
    private static final GptConfig CONFIG = TensorParallelReferenceTest.CONFIG;
    private static final int T = 2;
    private static final int B = 2;

    @ParameterizedTest(name = "{0}")
    @EnumSource(TpMode.class)
    void phasesReproduceTheBlockOnEachRanksRows(TpMode mode) {
        TensorParallel tp = new TensorParallel(CONFIG, DataType.DOUBLE, T, mode);
        boolean again = mode == TpMode.SEQUENCE;
        Gpt gpt = tp.gpt();
        INDArray params = TensorParallelReferenceTest.perturbedParams(gpt)[1];
        Batch batch = SyntheticData.of(CONFIG, 2).batch(0, 0, B);
        int s = CONFIG.seqLen(), h = CONFIG.hidden(), n = B * s;
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, h), dOut = Nd4j.randn(DataType.DOUBLE, n, h);
        INDArray fullGrad = Nd4j.zeros(DataType.DOUBLE, params.length());
        Activation act = gpt.forwardUnit(1, params, Activation.of(x), batch);
        INDArray dx = gpt.backwardUnit(1, params, act, Activation.of(dOut), fullGrad).value();

        TpBlock[] blk = new TpBlock[T];
        INDArray[] grads = new INDArray[T], xs = new INDArray[T], douts = new INDArray[T];
        for (int r = 0; r < T; r++) {
            grads[r] = tp.zeroShard(1);
            blk[r] = tp.block(1, r, tp.shards().shard(1, params, r), grads[r], batch);
            xs[r] = localRows(mode, x, r);
            douts[r] = localRows(mode, dOut, r);
        }
        INDArray[] y = gather(mode, map(r -> blk[r].norm1(xs[r])));
        INDArray[] p = reduce(mode, map(r -> blk[r].attention(y[r])));
        INDArray[] y2 = gather(mode, map(r -> blk[r].norm2(p[r])));
        INDArray[] p2 = reduce(mode, map(r -> blk[r].mlp(y2[r])));
        INDArray[] out = map(r -> blk[r].residual(p2[r]));
        long[] savedAfterForward = new long[T];
        for (int r = 0; r < T; r++) savedAfterForward[r] = blk[r].savedBytes();
        INDArray[] g = gather(mode, douts);
        INDArray[] ln2 = again ? gather(mode, map(r -> blk[r].ln2OutputLocal())) : null;
        INDArray[] d2 = reduce(mode, map(r -> again ? blk[r].mlpBackward(g[r], ln2[r]) : blk[r].mlpBackward(g[r])));
        INDArray[] dx2 = gather(mode, map(r -> blk[r].norm2Backward(d2[r])));
        INDArray[] ln1 = again ? gather(mode, map(r -> blk[r].ln1OutputLocal())) : null;
        INDArray[] d1 = reduce(mode, map(r -> again ? blk[r].attentionBackward(dx2[r], ln1[r]) : blk[r].attentionBackward(dx2[r])));
        INDArray[] dxs = map(r -> blk[r].norm1Backward(d1[r]));

        for (int r = 0; r < T; r++) {
            assertEquals(mode == TpMode.SEQUENCE ? n / T : n, out[r].rows());
            assertClose(localRows(mode, act.value(), r), out[r], "output rows of rank " + r);
            assertClose(localRows(mode, dx, r), dxs[r], "input gradient rows of rank " + r);
        }
        long bs = (long) B * s, f = CONFIG.ffnHidden(), heads = CONFIG.heads();
        // Korthikanti et al. 2022 Table 2 without dropout masks: TP keeps 4·b·s·h whole; SP divides everything by t.
        long savedElements = mode == TpMode.TENSOR
                ? bs * h * (4 + 4 / T) + 2 * bs * f / T + heads / T * B * s * s + 4 * bs
                : bs * h * 8 / T + 2 * bs * f / T + heads / T * B * s * s + 4 * bs / T;
        for (int r = 0; r < T; r++) assertEquals(savedElements * 8, savedAfterForward[r], "rank " + r);
        if (mode == TpMode.SEQUENCE) sumPartialGrads(tp, grads);
        assertClose(fullGrad, tp.shards().reassemble(1, grads), "parameter gradient");
    }

    @Test
    void phasesOutOfOrderAreRejected() {
        TensorParallel tp = new TensorParallel(CONFIG, DataType.DOUBLE, T, TpMode.TENSOR);
        Batch batch = SyntheticData.of(CONFIG, 2).batch(0, 0, B);
        TpBlock blk = tp.block(1, 0, tp.zeroShard(1), tp.zeroShard(1), batch);
        INDArray rows = Nd4j.zeros(DataType.DOUBLE, B * CONFIG.seqLen(), CONFIG.hidden());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> blk.norm2(rows));
        assertTrue(e.getMessage().startsWith("phase order: x is not saved yet"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> blk.norm1(rows.get(NDArrayIndex.interval(0, 3), NDArrayIndex.all())));
        assertEquals("mode: ln1's local output is kept only under SEQUENCE, found TENSOR",
                assertThrows(IllegalStateException.class, blk::ln1OutputLocal).getMessage());
    }

    /** Under SEQUENCE, rank r holds tokens [r·s/t, (r+1)·s/t) of every sequence, sequence-major. */
    private static INDArray localRows(TpMode mode, INDArray natural, int r) {
        if (mode == TpMode.TENSOR) return natural;
        int s = CONFIG.seqLen(), c = s / T;
        int[] rows = new int[B * c];
        for (int i = 0; i < B; i++) for (int j = 0; j < c; j++) rows[i * c + j] = i * s + r * c + j;
        return natural.getRows(rows);
    }

    /** The SP gradient AllReduce: sums each partial LayerNorm gradient over the ranks, in place. */
    private static void sumPartialGrads(TensorParallel tp, INDArray[] grads) {
        for (String name : tp.shards().sequenceParallelPartialGrads(1)) {
            INDArray[] parts = map(r -> tp.shards().views(1, grads[r]).get(name));
            INDArray sum = parts[0].add(parts[1]);
            for (INDArray part : parts) part.assign(sum);
        }
    }

    private static INDArray[] gather(TpMode mode, INDArray[] locals) {
        if (mode == TpMode.TENSOR) return locals;
        INDArray all = Nd4j.vstack(locals);
        return map(r -> all.dup());
    }

    private static INDArray[] reduce(TpMode mode, INDArray[] parts) {
        INDArray sum = parts[0].add(parts[1]);
        if (mode == TpMode.TENSOR) return map(r -> sum.dup());
        long c = sum.rows() / T;
        return map(r -> sum.get(NDArrayIndex.interval(r * c, (r + 1) * c), NDArrayIndex.all()).dup());
    }

    private static INDArray[] map(java.util.function.IntFunction<INDArray> f) {
        INDArray[] out = new INDArray[T];
        for (int r = 0; r < T; r++) out[r] = f.apply(r);
        return out;
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double error = expected.sub(actual).amaxNumber().doubleValue() / expected.amaxNumber().doubleValue();
        assertTrue(error < 1e-12, what + ": relative error " + error);
    }
}

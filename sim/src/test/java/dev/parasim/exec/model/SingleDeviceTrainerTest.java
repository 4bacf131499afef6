package dev.parasim.exec.model;

import dev.parasim.collective.Chunking;
import dev.parasim.spec.Precision;
import dev.parasim.spec.SpecException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SingleDeviceTrainerTest {
    private static final GptConfig CONFIG = new GptConfig(1, 16, 2, 64, 16, 8);
    private static final int STEPS = 40;
    private static final double LR = 1e-2;

    private static SingleDeviceTrainer.Result fp32;
    private static SingleDeviceTrainer.Result fp64;
    private static SingleDeviceTrainer.Result bf16;

    private static SingleDeviceTrainer.Settings settings(DataType dtype, Precision precision, int global, int micro, int steps) {
        return new SingleDeviceTrainer.Settings(CONFIG, dtype, 42, global, micro, steps, LR, precision);
    }

    /** The three reference runs take one micro-batch of 8 per step; the other tests split steps into micro-batches. */
    @BeforeAll
    static void run() {
        long t0 = System.nanoTime();
        fp32 = SingleDeviceTrainer.run(settings(DataType.FLOAT, Precision.FP32, 8, 8, STEPS));
        long t1 = System.nanoTime();
        fp64 = SingleDeviceTrainer.run(settings(DataType.DOUBLE, Precision.FP32, 8, 8, STEPS));
        bf16 = SingleDeviceTrainer.run(settings(DataType.FLOAT, Precision.BF16_MIXED, 8, 8, STEPS));
        System.out.printf("trainer: %d steps fp32 %.1f s, all three %.1f s%n", STEPS, (t1 - t0) / 1e9, (System.nanoTime() - t0) / 1e9);
        System.out.println("trainer: fp32 losses " + Arrays.toString(fp32.lossPerStep()));
    }

    @Test
    void lossFalls() {
        double[] loss = fp32.lossPerStep();
        assertEquals(Math.log(CONFIG.vocab()), loss[0], 0.05, "untrained loss is about ln V");
        double tail = Arrays.stream(loss, STEPS - 10, STEPS).average().orElseThrow();
        System.out.printf("trainer: first %.4f, mean of last 10 %.4f (ratio %.3f), floor %.4f%n", loss[0], tail, tail / loss[0],
                SyntheticData.of(CONFIG, 42).lossFloorNats());
        assertTrue(tail < 0.6 * loss[0], "mean of the last 10 losses " + tail + " vs first " + loss[0]);
    }

    @Test
    void fp32AndFp64Agree() {
        double lossDiff = maxDiff(fp32.lossPerStep(), fp64.lossPerStep());
        double paramDiff = maxDiff(fp32.unitParams(), fp64.unitParams(), false);
        double keyBiasDiff = maxDiff(fp32.unitParams(), fp64.unitParams(), true);
        System.out.printf("trainer: fp32 vs fp64 max loss diff %.2e, max param diff %.2e (key bias %.2e)%n",
                lossDiff, paramDiff, keyBiasDiff);
        assertTrue(lossDiff < 1e-5, "loss " + lossDiff);
        assertTrue(paramDiff < 1e-4, "params " + paramDiff);
        // The key bias's exact gradient is zero (softmax ignores a per-row shift q·b_k), so its fp32
        // gradient is rounding noise that Adam scales up to at most lr·|noise|/(|noise| + ε) per step.
        assertTrue(keyBiasDiff < 0.1 * STEPS * LR, "key bias " + keyBiasDiff);
    }

    @Test
    void bf16MixedStaysCloseToFp32() {
        double lossDiff = maxDiff(fp32.lossPerStep(), bf16.lossPerStep());
        double paramDiff = maxDiff(fp32.unitParams(), bf16.unitParams(), false);
        System.out.printf("trainer: bf16-mixed vs fp32 max loss diff %.2e, max param diff %.2e%n", lossDiff, paramDiff);
        assertTrue(lossDiff < 0.03, "loss " + lossDiff);
        assertTrue(paramDiff < 0.1, "params " + paramDiff);
        assertTrue(paramDiff > 0, "bf16 rounding changes the run");
    }

    @Test
    void bf16RingReductionStaysWithinTheStatedTolerance() {
        double[] diffs = ringVersusReference(Precision.BF16_MIXED, 10);
        assertTrue(diffs[0] < 0.01 * Math.log(CONFIG.vocab()), "loss " + diffs[0]);
        assertTrue(diffs[1] < 0.5 * 10 * LR, "params " + diffs[1]);
    }

    @Test
    void fp32RingReductionChangesOnlyRounding() {
        double[] diffs = ringVersusReference(Precision.FP32, 10);
        assertTrue(diffs[0] < 1e-5, "loss " + diffs[0]);
        assertTrue(diffs[1] < 1e-4, "params " + diffs[1]);
    }

    /**
     * {@return max loss and parameter (key bias excluded) differences} between the reference and 4
     * simulated data-parallel ranks with one micro-batch of 2 sequences each, whose gradients are
     * summed ring-wise: chunk c accumulated from rank c+1 onwards, rounded to bf16 after every
     * addition under bf16-mixed.
     */
    private static double[] ringVersusReference(Precision precision, int steps) {
        int ranks = 4;
        SingleDeviceTrainer.Settings s = settings(DataType.FLOAT, precision, 2 * ranks, 2, steps);
        SingleDeviceTrainer.Result reference = SingleDeviceTrainer.run(s);
        Gpt gpt = new Gpt(CONFIG, DataType.FLOAT);
        SyntheticData data = SyntheticData.of(CONFIG, 42);
        INDArray[] master = gpt.init(42), m = gpt.zeros(), v = gpt.zeros();
        double[] losses = new double[steps];
        for (int t = 1; t <= steps; t++) {
            INDArray[] working = new INDArray[master.length];
            for (int u = 0; u < master.length; u++) working[u] = MixedPrecision.workingCopy(master[u], precision);
            INDArray[][] rankGrads = new INDArray[ranks][];
            for (int r = 0; r < ranks; r++) {
                rankGrads[r] = gpt.zeros();
                losses[t - 1] += gpt.forwardBackward(working, data.batch(t - 1, r, 2), rankGrads[r]) / ranks;
                for (INDArray g : rankGrads[r]) MixedPrecision.roundGradient(g, precision);
            }
            for (int u = 0; u < master.length; u++) {
                INDArray sum = ringSum(rankGrads, u, ranks, precision).divi(ranks);
                Adam.step(master[u], sum, m[u], v[u], t, LR);
            }
        }
        double lossDiff = maxDiff(reference.lossPerStep(), losses);
        double paramDiff = maxDiff(reference.unitParams(), master, false);
        System.out.printf("trainer: %s ring order vs reference over %d steps: max loss diff %.2e, max param diff %.2e%n",
                precision, steps, lossDiff, paramDiff);
        return new double[] {lossDiff, paramDiff};
    }

    private static INDArray ringSum(INDArray[][] rankGrads, int u, int ranks, Precision precision) {
        long n = rankGrads[0][u].length(), chunk = Chunking.shard(n, ranks);
        INDArray sum = Nd4j.zeros(DataType.FLOAT, n);
        for (int c = 0; c < ranks; c++) {
            long from = Math.min(n, c * chunk), to = Math.min(n, from + chunk);
            if (from == to) continue;
            var range = NDArrayIndex.interval(from, to);
            INDArray acc = rankGrads[(c + 1) % ranks][u].get(range).dup();
            for (int k = 2; k <= ranks; k++) {
                acc.addi(rankGrads[(c + k) % ranks][u].get(range));
                MixedPrecision.roundGradient(acc, precision);
            }
            sum.get(range).assign(acc);
        }
        return sum;
    }

    @Test
    void runsAreReproducible() {
        SingleDeviceTrainer.Result again = SingleDeviceTrainer.run(settings(DataType.FLOAT, Precision.BF16_MIXED, 8, 8, 3));
        SingleDeviceTrainer.Result once = SingleDeviceTrainer.run(settings(DataType.FLOAT, Precision.BF16_MIXED, 8, 8, 3));
        assertArrayEquals(once.lossPerStep(), again.lossPerStep());
        for (int u = 0; u < once.unitParams().length; u++) assertEquals(once.unitParams()[u], again.unitParams()[u]);
        assertArrayEquals(Arrays.copyOf(bf16.lossPerStep(), 3), once.lossPerStep());
    }

    @Test
    void microBatchingAveragesToTheGlobalGradient() {
        // One micro-batch of 8 sequences and four of 2 give the same mean gradient, up to fp64 rounding.
        SingleDeviceTrainer.Result whole = SingleDeviceTrainer.run(settings(DataType.DOUBLE, Precision.FP32, 8, 8, 3));
        SingleDeviceTrainer.Result split = SingleDeviceTrainer.run(settings(DataType.DOUBLE, Precision.FP32, 8, 2, 3));
        assertTrue(maxDiff(whole.lossPerStep(), split.lossPerStep()) < 1e-12);
        assertTrue(maxDiff(whole.unitParams(), split.unitParams(), false) < 1e-12);
        assertTrue(maxDiff(whole.unitParams(), split.unitParams(), true) < 1e-9, "fp64 noise stays far below Adam's ε");
    }

    @Test
    void rejectsWhatItCannotRun() {
        assertEquals("globalBatch: must be a multiple of microBatch (3), found 8",
                assertThrows(SpecException.class, () -> settings(DataType.FLOAT, Precision.FP32, 8, 3, 1)).getMessage());
        assertEquals("training.precision: executed runs support fp32 or bf16-mixed, found fp8-mixed",
                assertThrows(SpecException.class, () -> settings(DataType.FLOAT, Precision.FP8_MIXED, 8, 4, 1)).getMessage());
        assertThrows(SpecException.class, () -> settings(DataType.DOUBLE, Precision.BF16_MIXED, 8, 4, 1));
    }

    static double maxDiff(double[] a, double[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        return worst;
    }

    /** {@return max |a − b| over all parameters but the key bias (qkv.b[h, 2h)), or over the key bias only} */
    static double maxDiff(INDArray[] a, INDArray[] b, boolean keyBiasOnly) {
        ParamLayout layout = ParamLayout.of(CONFIG);
        double worst = 0;
        for (int u = 0; u < a.length; u++) {
            double[] x = a[u].castTo(DataType.DOUBLE).toDoubleVector(), y = b[u].castTo(DataType.DOUBLE).toDoubleVector();
            long keyFrom = -1, keyTo = -1;
            if (u >= 1 && u <= CONFIG.layers()) {
                keyFrom = layout.offset(u, "qkv.b") + CONFIG.hidden();
                keyTo = keyFrom + CONFIG.hidden();
            }
            for (int i = 0; i < x.length; i++) {
                boolean key = i >= keyFrom && i < keyTo;
                if (key == keyBiasOnly) worst = Math.max(worst, Math.abs(x[i] - y[i]));
            }
        }
        return worst;
    }
}

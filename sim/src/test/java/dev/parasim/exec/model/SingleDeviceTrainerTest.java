package dev.parasim.exec.model;

import dev.parasim.spec.Precision;
import dev.parasim.spec.SpecException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SingleDeviceTrainerTest {
    private static final GptConfig CONFIG = new GptConfig(2, 16, 2, 64, 16, 8);
    private static final int STEPS = 40;
    private static final double LR = 1e-2;

    private static SingleDeviceTrainer.Result fp32;
    private static SingleDeviceTrainer.Result fp64;
    private static SingleDeviceTrainer.Result bf16;

    private static SingleDeviceTrainer.Settings settings(DataType dtype, Precision precision, int global, int micro, int steps) {
        return new SingleDeviceTrainer.Settings(CONFIG, dtype, 42, global, micro, steps, LR, precision);
    }

    @BeforeAll
    static void run() {
        long t0 = System.nanoTime();
        fp32 = SingleDeviceTrainer.run(settings(DataType.FLOAT, Precision.FP32, 8, 4, STEPS));
        long t1 = System.nanoTime();
        fp64 = SingleDeviceTrainer.run(settings(DataType.DOUBLE, Precision.FP32, 8, 4, STEPS));
        bf16 = SingleDeviceTrainer.run(settings(DataType.FLOAT, Precision.BF16_MIXED, 8, 4, STEPS));
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
        double paramDiff = maxDiff(fp32.unitParams(), fp64.unitParams());
        System.out.printf("trainer: fp32 vs fp64 max loss diff %.2e, max param diff %.2e%n", lossDiff, paramDiff);
        assertTrue(lossDiff < 1e-4, "loss " + lossDiff);
        assertTrue(paramDiff < 1e-4, "params " + paramDiff);
    }

    @Test
    void bf16MixedStaysCloseToFp32() {
        double lossDiff = maxDiff(fp32.lossPerStep(), bf16.lossPerStep());
        double paramDiff = maxDiff(fp32.unitParams(), bf16.unitParams());
        System.out.printf("trainer: bf16-mixed vs fp32 max loss diff %.2e, max param diff %.2e%n", lossDiff, paramDiff);
        assertTrue(lossDiff < 0.05, "loss " + lossDiff);
        assertTrue(paramDiff < STEPS * LR, "params " + paramDiff);
        assertTrue(paramDiff > 0, "bf16 rounding changes the run");
    }

    @Test
    void runsAreReproducible() {
        SingleDeviceTrainer.Result again = SingleDeviceTrainer.run(settings(DataType.FLOAT, Precision.BF16_MIXED, 8, 4, 3));
        SingleDeviceTrainer.Result once = SingleDeviceTrainer.run(settings(DataType.FLOAT, Precision.BF16_MIXED, 8, 4, 3));
        assertArrayEquals(once.lossPerStep(), again.lossPerStep());
        for (int u = 0; u < once.unitParams().length; u++) assertEquals(once.unitParams()[u], again.unitParams()[u]);
        assertArrayEquals(Arrays.copyOf(bf16.lossPerStep(), 3), once.lossPerStep());
    }

    @Test
    void microBatchingAveragesToTheGlobalGradient() {
        // One micro-batch of 8 sequences and two of 4 give the same mean gradient, up to fp64 rounding.
        SingleDeviceTrainer.Result whole = SingleDeviceTrainer.run(settings(DataType.DOUBLE, Precision.FP32, 8, 8, 3));
        SingleDeviceTrainer.Result split = SingleDeviceTrainer.run(settings(DataType.DOUBLE, Precision.FP32, 8, 2, 3));
        assertTrue(maxDiff(whole.lossPerStep(), split.lossPerStep()) < 1e-12);
        assertTrue(maxDiff(whole.unitParams(), split.unitParams()) < 1e-12);
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

    static double maxDiff(INDArray[] a, INDArray[] b) {
        double worst = 0;
        for (int u = 0; u < a.length; u++)
            worst = Math.max(worst, a[u].castTo(DataType.DOUBLE).sub(b[u].castTo(DataType.DOUBLE)).amaxNumber().doubleValue());
        return worst;
    }
}

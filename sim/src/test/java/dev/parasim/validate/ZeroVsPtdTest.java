package dev.parasim.validate;

import dev.parasim.spec.Calibration;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Narayanan et al. 2021 Table 2 (held out, A100 calibration): DeepSpeed ZeRO-3 is slower than PTD-P on GPT-3 175B at
 * 384, 768 and 1,536 A100s, by the published 1.06×, 1.69× and 3.20× (PTD-P's TFLOP/s over ZeRO-3's). Measured: 1.03×,
 * 1.56×, 3.37× — each predicted ratio within 15% of the published one; before ZeRO-3's per-tensor gathers and their
 * exposure were modelled the prediction was 0.78×, 0.78×, 0.80× (ZeRO-3 ranked first).
 */
class ZeroVsPtdTest {
    static final double RATIO_TOLERANCE = 0.15;

    @Test
    void zero3RanksBelowPtdPAsPublished() {
        List<ZeroVsPtdTable.Run> runs = ZeroVsPtdTable.rows();
        List<Validation.Row> rows = Validation.zero3VsPtd(Calibration.A100);
        assertEquals(6, rows.size());
        int compared = 0;
        for (int i = 0; i < 3; i++) {
            ZeroVsPtdTable.Run z = runs.get(i), p = runs.get(i + 3);
            assertEquals(ZeroVsPtdTable.Scheme.ZERO3, z.scheme());
            assertEquals(ZeroVsPtdTable.Scheme.PTD_P, p.scheme());
            assertEquals(z.run().gpus(), p.run().gpus());
            assertEquals(1536, z.run().globalBatch());
            assertEquals(1536 / z.run().gpus(), z.microBatch());
            double published = p.run().tflopsPerGpu() / z.run().tflopsPerGpu();
            double predicted = Validation.zero3OverPtd(rows.get(i), rows.get(i + 3));
            String at = z.run().gpus() + " GPUs: predicted " + predicted + "x, published " + published + "x";
            assertTrue(predicted > 1, "ZeRO-3 must be slower than PTD-P at " + at);
            assertTrue(Math.abs(predicted / published - 1) <= RATIO_TOLERANCE, at);
            assertTrue(rows.get(i).prediction().fits() && rows.get(i + 3).prediction().fits(), at);
            compared++;
        }
        assertEquals(3, compared);
        // Each row within 10% of its published TFLOP/s too (measured: at most 8.9%, ZeRO-3 on 768 GPUs).
        assertTrue(Validation.maxAbsError(rows) <= 0.10, "max " + Validation.maxAbsError(rows));
    }

    /** The same ZeRO-3 runs gathered per unit and prefetched (FSDP's way) hide their communication and rank first. */
    @Test
    void prefetchedUnitGathersWouldHideTheCommunication() {
        ZeroVsPtdTable.Run z = ZeroVsPtdTable.rows().get(2);
        Validation.Setup deepSpeed = Validation.deepSpeedZero3(z.microBatch());
        Validation.Setup fsdp = new Validation.Setup(deepSpeed.microBatch(), deepSpeed.precision(), deepSpeed.recompute(),
                deepSpeed.zero(), false, false, true, deepSpeed.attention(), dev.parasim.spec.ZeroGathers.UNITS);
        var cluster = Validation.calibrated("dgx-a100-80g", Calibration.A100);
        Validation.Row onDemand = Validation.predict(z.run(), cluster, deepSpeed);
        Validation.Row prefetched = Validation.predict(z.run(), cluster, fsdp);
        assertEquals(onDemand.prediction().comm().bytesPerGpu(), prefetched.prediction().comm().bytesPerGpu());
        assertTrue(prefetched.prediction().time().stepSeconds() < onDemand.prediction().time().stepSeconds() / 3);
    }
}

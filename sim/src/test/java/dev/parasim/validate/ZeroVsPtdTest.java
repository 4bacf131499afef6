package dev.parasim.validate;

import dev.parasim.spec.Calibration;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Narayanan et al. 2021 Table 2 (held out, A100 calibration): DeepSpeed ZeRO-3 is slower than PTD-P at every GPU count
 * it reports. GPT-3 175B on 384, 768 and 1,536 A100s: published 1.06×, 1.69×, 3.20× (PTD-P's TFLOP/s over ZeRO-3's),
 * predicted 1.05×, 1.71×, 4.07×. The 530B model (ZeRO-3 on 640 against PTD-P on 560, then 1,120 and 2,240 each):
 * published 1.24×, 1.70×, 3.31×, predicted 1.03×, 1.41×, 2.72×. The 175B pairs at 384 and 768 GPUs are within 1.2%,
 * the 530B pairs 17–18% low (those ZeRO-3 rows run 18–19% fast), 175B on 1,536 GPUs +27%: that ZeRO-3 row is
 * latency-bound (4,624 collectives a micro-batch at (n − 1)·α = 12.3 ms each) and runs 15.6% slow, while the measured
 * ZeRO-3 steps at 768 and 1,536 GPUs are equal (66.7 s), which a ring latency that grows with n and a compute that
 * halves cannot both reproduce. Before a cross-node ring's bytes were paced by its NICs alone (not its NVLink share
 * and then its NIC share, {@code collective.CollectiveCost}) the ratios were 1.12×, 1.85×, 4.34× and 1.10×, 1.56×,
 * 3.00× (every pair but the latency-bound one within 11.3%, that one +36%).
 * Before the on-demand fetch counted the recompute's gathers ({@code analytic.CommModel.backwardGathers}: forward,
 * recompute and backward each gather every tensor) the ratios were 1.04×, 1.60×, 3.52× and 1.03×, 1.38×, 2.50×, the
 * 530B ZeRO-3 rows 22–33% too fast (table mean 10.3%, max 32.9%; now 6.1%, 20.9%); before ZeRO-3's per-tensor
 * gathers and their exposure were modelled the 175B prediction was 0.78×, 0.78×, 0.80×.
 */
class ZeroVsPtdTest {
    /** Every pair's predicted gap to the published ratio (at most 17.8%, 530B on 2,240 GPUs), held a little above. */
    static final double RATIO_TOLERANCE = 0.185;
    /** 175B on 1,536 GPUs, the latency-bound pair (predicted +27%), held a little above. */
    static final double RATIO_TOLERANCE_LATENCY_BOUND = 0.28;

    @Test
    void zero3RanksBelowPtdPAsPublished() {
        List<ZeroVsPtdTable.Run> runs = ZeroVsPtdTable.rows();
        List<Validation.Row> rows = Validation.zero3VsPtd(Calibration.A100);
        assertEquals(12, rows.size());
        List<ZeroVsPtdTable.Pair> pairs = ZeroVsPtdTable.pairs(runs);
        assertEquals(List.of(new ZeroVsPtdTable.Pair(0, 6), new ZeroVsPtdTable.Pair(1, 7), new ZeroVsPtdTable.Pair(2, 8),
                new ZeroVsPtdTable.Pair(3, 9), new ZeroVsPtdTable.Pair(4, 10), new ZeroVsPtdTable.Pair(5, 11)), pairs);
        for (ZeroVsPtdTable.Pair pair : pairs) {
            ZeroVsPtdTable.Run z = runs.get(pair.zero3()), p = runs.get(pair.ptd());
            assertEquals(ZeroVsPtdTable.Scheme.ZERO3, z.scheme());
            assertEquals(ZeroVsPtdTable.Scheme.PTD_P, p.scheme());
            assertEquals(z.run().model(), p.run().model());
            assertEquals(z.run().globalBatch() / z.run().gpus(), z.microBatch());
            double published = p.run().tflopsPerGpu() / z.run().tflopsPerGpu();
            double predicted = Validation.zero3OverPtd(rows.get(pair.zero3()), rows.get(pair.ptd()));
            String at = z.run().model() + " on " + z.run().gpus() + " GPUs: predicted " + predicted + "x, published " + published + "x";
            assertTrue(predicted > 1, "ZeRO-3 must be slower than PTD-P at " + at);
            boolean latencyBound = z.run().model().equals("175B") && z.run().gpus() == 1536;
            double tolerance = latencyBound ? RATIO_TOLERANCE_LATENCY_BOUND : RATIO_TOLERANCE;
            assertTrue(Math.abs(predicted / published - 1) <= tolerance, at);
            assertTrue(rows.get(pair.zero3()).prediction().fits() && rows.get(pair.ptd()).prediction().fits(), at);
            if (z.run().gpus() == p.run().gpus()) {
                // Same GPUs and batch: the TFLOP/s ratio is the step-time ratio.
                assertEquals(z.run().globalBatch(), p.run().globalBatch());
                assertEquals(predicted, rows.get(pair.zero3()).prediction().time().stepSeconds()
                        / rows.get(pair.ptd()).prediction().time().stepSeconds(), 1e-9 * predicted);
            }
        }
        // Per row (measured): ZeRO-3 175B +2.8%, +2.7%, -15.6%, 530B +18.8%, +18.5%, +17.9%; PTD-P at most 7.1%.
        for (int i = 0; i < rows.size(); i++) {
            Validation.Row r = rows.get(i);
            boolean zero3 = runs.get(i).scheme() == ZeroVsPtdTable.Scheme.ZERO3;
            double bound = zero3 ? 0.19 : 0.105;
            assertTrue(Math.abs(r.relativeError()) <= bound, r.run().model() + " " + runs.get(i).scheme() + " on "
                    + r.run().gpus() + ": " + r.relativeError());
        }
        assertTrue(Validation.meanAbsError(rows) <= 0.08, "mean " + Validation.meanAbsError(rows));
    }

    /**
     * The same ZeRO-3 run (175B on 1,536 GPUs) gathered per unit and prefetched (FSDP's way) hides most of its
     * communication: measured 20.5 s against 79.1 s on demand (PTD-P: 19.4 s; the hidden gathers still slow the compute
     * they overlap, {@code StepTimeModel.OVERLAP_INTERFERENCE}).
     */
    @Test
    void prefetchedUnitGathersWouldHideTheCommunication() {
        ZeroVsPtdTable.Run z = ZeroVsPtdTable.rows().get(2);
        Validation.Setup deepSpeed = Validation.deepSpeedZero3(z.microBatch());
        Validation.Setup fsdp = new Validation.Setup(deepSpeed.microBatch(), deepSpeed.precision(), deepSpeed.recompute(),
                deepSpeed.zero(), false, false, true, deepSpeed.attention(), dev.parasim.spec.ZeroGathers.UNITS, false);
        var cluster = Validation.calibrated("dgx-a100-80g", Calibration.A100);
        Validation.Row onDemand = Validation.predict(z.run(), cluster, deepSpeed);
        Validation.Row prefetched = Validation.predict(z.run(), cluster, fsdp);
        // On demand the checkpointed recompute gathers every tensor once more (analytic.CommModel.backwardGathers): four
        // equal-sized collectives a micro-batch (three gathers, one bf16 reduce-scatter) against FSDP's three.
        assertEquals(4.0 / 3, (double) onDemand.prediction().comm().bytesPerGpu() / prefetched.prediction().comm().bytesPerGpu(), 1e-6);
        assertTrue(prefetched.prediction().time().stepSeconds() < onDemand.prediction().time().stepSeconds() / 3.5);
    }
}

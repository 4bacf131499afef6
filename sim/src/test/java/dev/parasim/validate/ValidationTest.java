package dev.parasim.validate;

import dev.parasim.spec.Calibration;
import dev.parasim.workload.Flops;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Megatron-Core H100 table with the one global calibration: mean ≤ 10%, max ≤ 20% (the targets).
 * Held-out A100 table (Narayanan et al. 2021 Table 1), same calibration, not fitted to it: measured mean 9.7%,
 * max 17.7% (18.4B at tp 8: -17.7%; 1.7B at tp 1: +17.5%); the bounds below (10.5%, 19%) sit a little above
 * those measurements so that a change making the held-out prediction worse fails here.
 */
class ValidationTest {

    @Test
    void megatronCoreWithinTargets() {
        List<Validation.Row> rows = Validation.megatronCore(Calibration.DEFAULT);
        assertEquals(9, rows.size());
        assertTrue(Validation.meanAbsError(rows) <= 0.10, "mean " + Validation.meanAbsError(rows));
        assertTrue(Validation.maxAbsError(rows) <= 0.20, "max " + Validation.maxAbsError(rows));
        // Every row fits an 80 GB H100, as it did in the published runs.
        rows.forEach(r -> assertTrue(r.prediction().fits(), r.run().model() + ": " + r.prediction().memory().reason()));
    }

    @Test
    void heldOutA100WithinMeasuredBounds() {
        List<Validation.Row> rows = Validation.heldOutA100(Calibration.DEFAULT);
        assertEquals(10, rows.size());
        double mean = Validation.meanAbsError(rows), max = Validation.maxAbsError(rows);
        assertTrue(mean <= 0.105, "mean " + mean);
        assertTrue(max <= 0.19, "max " + max);
        // Every row fits an 80 GB A100 with full recompute and plain DDP, as it did on Selene.
        rows.forEach(r -> assertTrue(r.prediction().fits(), r.run().model() + ": " + r.prediction().memory().reason()));
    }

    @Test
    void heldOutComparesHardwareFlopsOfTheirEquation3() {
        for (Validation.Row r : Validation.heldOutA100(Calibration.DEFAULT)) {
            PublishedRun run = r.run();
            assertEquals(run.gpus(), run.tp() * run.pp() * run.dp(), run.model());
            double eq3 = Flops.megatronFullRecompute(run.globalBatch(), run.seqLen(), run.layers(), run.hidden(), run.vocab());
            assertEquals(1.0, r.prediction().hardwareFlops() / eq3, 1e-9, run.model());
            double tflops = eq3 / r.prediction().time().stepSeconds() / run.gpus() / 1e12;
            assertEquals(tflops, r.predictedTflopsPerGpu(), 1e-9 * tflops, run.model());
        }
    }

    @Test
    void heldOutTableIsTheBundledOne() {
        List<PublishedRun> rows = NarayananTable.rows();
        PublishedRun first = rows.get(0), last = rows.get(rows.size() - 1);
        assertEquals(List.of(24, 2304, 24, 32, 512), List.of(first.heads(), first.hidden(), first.layers(), first.gpus(), first.globalBatch()));
        assertEquals(137, first.tflopsPerGpu());
        assertEquals(List.of(160, 25600, 128, 8, 64, 3072), List.of(last.heads(), last.hidden(), last.layers(), last.tp(), last.pp(), last.gpus()));
        assertEquals(163, last.tflopsPerGpu());
        rows.forEach(r -> assertEquals(List.of(51200, 2048), List.of(r.vocab(), r.seqLen())));
    }

    @Test
    void chunkRuleKeepsTwoLayersPerChunk() {
        assertEquals(1, Validation.chunks(24, 1));
        assertEquals(21, Validation.chunks(84, 2));
        assertEquals(1, Validation.chunks(112, 16));   // 7 layers per stage: prime, no interleaving
        assertEquals(8, Validation.chunks(96, 6));
        assertEquals(1, Validation.chunks(105, 35));   // 3 layers per stage (530B): no interleaving
        assertEquals(1, Validation.chunks(128, 64));   // 2 layers per stage (1T): no interleaving
    }
}

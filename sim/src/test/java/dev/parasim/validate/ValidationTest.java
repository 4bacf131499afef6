package dev.parasim.validate;

import dev.parasim.spec.Calibration;
import dev.parasim.workload.Flops;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bundled table with one calibration per GPU type (Calibration.H100, Calibration.A100). Measured (sim validate):
 * Megatron-Core H100 mean 10.0%, max 19.5%; held-out A100 (Narayanan et al. 2021 Table 1, never fitted to) mean 5.3%,
 * max 9.8%; llm-foundry H100 mean 6.9%, max 29.3%; llm-foundry A100 mean 6.7%, max 32.8% (7.0%/29.5% and 6.7%/33.3%
 * before ZeRO-3 exposed each pass's first gather and last reduce-scatter). The bounds sit a little
 * above those measurements so that a change making any table worse fails here; the goal (mean ≤ 8%,
 * max ≤ 20% per table) is met by the held-out table only in full, by the llm-foundry tables on the mean and by
 * Megatron-Core on the max (see README, Validation).
 */
class ValidationTest {

    @Test
    void megatronCoreWithinTargets() {
        List<Validation.Row> rows = Validation.megatronCore(Calibration.H100);
        assertEquals(9, rows.size());
        // Issue #13's goal per table: mean <= 8%, max <= 20%.
        assertTrue(Validation.meanAbsError(rows) <= 0.08, "mean " + Validation.meanAbsError(rows));
        assertTrue(Validation.maxAbsError(rows) <= 0.20, "max " + Validation.maxAbsError(rows));
        // Every row fits an 80 GB H100, as it did in the published runs.
        rows.forEach(r -> assertTrue(r.prediction().fits(), r.run().model() + ": " + r.prediction().memory().reason()));
    }

    @Test
    void heldOutA100WithinMeasuredBounds() {
        List<Validation.Row> rows = Validation.heldOutA100(Calibration.A100);
        assertEquals(10, rows.size());
        double mean = Validation.meanAbsError(rows), max = Validation.maxAbsError(rows);
        assertTrue(mean <= 0.055, "mean " + mean);
        assertTrue(max <= 0.105, "max " + max);
        // Every row fits an 80 GB A100 with full recompute and plain DDP, as it did on Selene.
        rows.forEach(r -> assertTrue(r.prediction().fits(), r.run().model() + ": " + r.prediction().memory().reason()));
    }

    /** llm-foundry on H100 (77 rows: ZeRO-2/3 FSDP, 8–512 GPUs, 512–65K tokens, bf16 and fp8), per regime too. */
    @Test
    void llmFoundryH100WithinMeasuredBounds() {
        List<Validation.Row> rows = Validation.llmFoundry("dgx-h100", Calibration.H100);
        assertEquals(77, rows.size());
        assertTrue(Validation.meanAbsError(rows) <= 0.075, "mean " + Validation.meanAbsError(rows));
        assertTrue(Validation.maxAbsError(rows) <= 0.30, "max " + Validation.maxAbsError(rows));
        assertRegime("dgx-h100", Calibration.H100, Validation.Regime.LONG_SEQUENCE, 14, 0.06, 0.11);
        assertRegime("dgx-h100", Calibration.H100, Validation.Regime.FP8, 7, 0.075, 0.13);
        assertRegime("dgx-h100", Calibration.H100, Validation.Regime.FSDP_LARGE, 18, 0.05, 0.145);
        assertRegime("dgx-h100", Calibration.H100, Validation.Regime.FULL_RECOMPUTE, 30, 0.07, 0.30);
    }

    /** llm-foundry on A100 40/80 GB (139 rows), per regime too. */
    @Test
    void llmFoundryA100WithinMeasuredBounds() {
        List<Validation.Row> rows = Validation.llmFoundry("dgx-a100", Calibration.A100);
        assertEquals(139, rows.size());
        assertTrue(Validation.meanAbsError(rows) <= 0.07, "mean " + Validation.meanAbsError(rows));
        assertTrue(Validation.maxAbsError(rows) <= 0.34, "max " + Validation.maxAbsError(rows));
        assertRegime("dgx-a100", Calibration.A100, Validation.Regime.LONG_SEQUENCE, 31, 0.065, 0.17);
        assertRegime("dgx-a100", Calibration.A100, Validation.Regime.FSDP_LARGE, 9, 0.08, 0.20);
        assertRegime("dgx-a100", Calibration.A100, Validation.Regime.FULL_RECOMPUTE, 49, 0.11, 0.34);
    }

    static void assertRegime(String cluster, Calibration c, Validation.Regime regime, int count, double mean, double max) {
        List<MptTable.Run> runs = Validation.llmFoundryRuns(cluster);
        List<Validation.Row> rows = Validation.llmFoundry(cluster, c);
        List<Validation.Row> in = new java.util.ArrayList<>();
        for (int i = 0; i < rows.size(); i++) if (Validation.Regime.of(runs.get(i)).contains(regime)) in.add(rows.get(i));
        assertEquals(count, in.size(), regime.label);
        assertTrue(Validation.meanAbsError(in) <= mean, regime.label + " mean " + Validation.meanAbsError(in));
        assertTrue(Validation.maxAbsError(in) <= max, regime.label + " max " + Validation.maxAbsError(in));
    }

    @Test
    void llmFoundryTableIsTheBundledOne() {
        List<MptTable.Run> runs = MptTable.rows();
        assertEquals(216, runs.size());
        MptTable.Run first = runs.get(0);
        assertEquals(List.of(80, 8192, 64, 2048, 512, 4096), List.of(first.run().layers(), first.run().hidden(), first.run().heads(),
                first.run().seqLen(), first.run().gpus(), first.run().globalBatch()));
        // 8,388,608 tokens at 515,636 tokens/s.
        assertEquals(8388608.0 / 515636, first.measuredStepSeconds(), 1e-12);
        assertEquals(dev.parasim.spec.ZeroStage.PARAMETERS, first.zero());
        assertEquals(dev.parasim.spec.Recompute.FULL, first.recompute());
    }

    @Test
    void heldOutComparesHardwareFlopsOfTheirEquation3() {
        for (Validation.Row r : Validation.heldOutA100(Calibration.A100)) {
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

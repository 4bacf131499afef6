package dev.parasim.validate;

import dev.parasim.spec.Calibration;
import dev.parasim.workload.Flops;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bundled table with one calibration per GPU type (Calibration.H100, Calibration.A100). Measured (sim validate):
 * Megatron-Core H100 mean 6.2%, max 16.7%; held-out A100 (Narayanan et al. 2021 Table 1, never fitted to) mean 4.4%,
 * max 7.5%; llm-foundry H100 mean 5.4%, max 19.8%; llm-foundry A100 mean 5.1%, max 21.3% (5.9%/13.9%, 4.2%/7.3%,
 * 4.1%/27.4% and 5.5%/24.5% before the cross-entropy was counted kernel by kernel and the calibrations refitted;
 * 6.3%/16.3%, 5.3%/9.8%, 6.9%/29.3% and 6.7%/32.8% before a full recompute replayed only the forward's kernels and
 * hidden per-micro-batch DP collectives slowed the compute they hide behind). The bounds sit a little above those
 * measurements so that a change making any table worse fails here; the goal (mean ≤ 8%, max ≤ 20% per
 * table) is met in full by Megatron-Core, the held-out Table 1 and llm-foundry H100, by llm-foundry A100 and the
 * held-out Table 2 on the mean only: their worst rows (mpt-760m at 512 tokens on A100 80 GB, 30B at 8,192 tokens on 8
 * GPUs, 175B ZeRO-3 on 1,536 GPUs) are measured 17–21% below neighbours the model prices smoothly (see README).
 * The held-out ZeRO-3 vs PTD-P table (Narayanan et al. 2021 Table 2) is held by {@link #heldOutZero3VsPtdWithinMeasuredBounds}
 * and, pair by pair, {@code ZeroVsPtdTest}: mean 6.1%, max 20.9% (10.3%, 32.9% before DeepSpeed's on-demand fetch paid
 * the recompute's second gather, {@code analytic.CommModel.backwardGathers}).
 */
class ValidationTest {

    @Test
    void megatronCoreWithinTargets() {
        List<Validation.Row> rows = Validation.megatronCore(Calibration.H100);
        assertEquals(9, rows.size());
        // Issue #13's goal per table: mean <= 8%, max <= 20%.
        assertTrue(Validation.meanAbsError(rows) <= 0.08, "mean " + Validation.meanAbsError(rows));
        assertTrue(Validation.maxAbsError(rows) <= 0.20, "max " + Validation.maxAbsError(rows));
        // Measured: mean 6.2%, max 16.7%.
        assertTrue(Validation.meanAbsError(rows) <= 0.065, "mean " + Validation.meanAbsError(rows));
        assertTrue(Validation.maxAbsError(rows) <= 0.17, "max " + Validation.maxAbsError(rows));
        // Every row fits an 80 GB H100, as it did in the published runs.
        rows.forEach(r -> assertTrue(r.prediction().fits(), r.run().model() + ": " + r.prediction().memory().reason()));
    }

    @Test
    void heldOutA100WithinMeasuredBounds() {
        List<Validation.Row> rows = Validation.heldOutA100(Calibration.A100);
        assertEquals(10, rows.size());
        double mean = Validation.meanAbsError(rows), max = Validation.maxAbsError(rows);
        assertTrue(mean <= 0.047, "mean " + mean);   // measured 4.4%
        assertTrue(max <= 0.078, "max " + max);      // measured 7.5%
        // Every row fits an 80 GB A100 with full recompute and plain DDP, as it did on Selene.
        rows.forEach(r -> assertTrue(r.prediction().fits(), r.run().model() + ": " + r.prediction().memory().reason()));
    }

    /** llm-foundry on H100 (77 rows: ZeRO-2/3 FSDP, 8–512 GPUs, 512–65K tokens, bf16 and fp8), per regime too. */
    @Test
    void llmFoundryH100WithinMeasuredBounds() {
        // Measured: mean 5.4%, max 19.8% (mpt-30b at 8,192 tokens on 8 GPUs, measured 17% below its 4,096-token twin):
        // the goal (mean <= 8%, max <= 20%) is met. 4.1%, 27.4% before the cross-entropy's refit.
        assertTable(Validation.llmFoundry("dgx-h100", Calibration.H100), 77, 0.057, 0.20);
        assertRegime("dgx-h100", Calibration.H100, Validation.Regime.LONG_SEQUENCE, 14, 0.057, 0.10);    // 5.4%, 9.7%
        assertRegime("dgx-h100", Calibration.H100, Validation.Regime.FP8, 7, 0.049, 0.10);               // 4.6%, 9.7%
        assertRegime("dgx-h100", Calibration.H100, Validation.Regime.FSDP_LARGE, 18, 0.085, 0.137);      // 8.2%, 13.3%
        assertRegime("dgx-h100", Calibration.H100, Validation.Regime.FULL_RECOMPUTE, 30, 0.083, 0.20);   // 8.0%, 19.8%
        assertRegime("dgx-h100", Calibration.H100, Validation.Regime.OTHER, 27, 0.028, 0.10);            // 2.5%, 9.6%
    }

    /** llm-foundry on A100 40/80 GB (139 rows), per regime too. */
    @Test
    void llmFoundryA100WithinMeasuredBounds() {
        // Measured: mean 5.1%, max 21.3% (mpt-760m at 512 tokens on A100 80 GB, measured 21% below its 2,048-token twin;
        // 30B at 8,192 tokens +20.9%, mpt-1b on 32 A100 40 GB +19.9%). 5.5%, 24.5% before the cross-entropy's refit.
        assertTable(Validation.llmFoundry("dgx-a100", Calibration.A100), 139, 0.054, 0.215);
        assertRegime("dgx-a100", Calibration.A100, Validation.Regime.LONG_SEQUENCE, 31, 0.047, 0.133);   // 4.4%, 12.9%
        assertRegime("dgx-a100", Calibration.A100, Validation.Regime.FSDP_LARGE, 9, 0.055, 0.11);        // 5.2%, 10.7%
        assertRegime("dgx-a100", Calibration.A100, Validation.Regime.FULL_RECOMPUTE, 49, 0.094, 0.212);  // 9.1%, 20.9%
        assertRegime("dgx-a100", Calibration.A100, Validation.Regime.OTHER, 68, 0.032, 0.215);           // 2.9%, 21.3%
    }

    /**
     * Narayanan et al. 2021 Table 2 (held out): measured mean 6.1%, max 20.9% (175B ZeRO-3 on 1,536 GPUs, latency-bound,
     * 20.9% slow; the 530B ZeRO-3 rows +6.9% to +10.5%, from +22% to +33% before the recompute's gathers were counted;
     * 6.7%, 20.5% before the cross-entropy's refit).
     */
    @Test
    void heldOutZero3VsPtdWithinMeasuredBounds() {
        assertTable(Validation.zero3VsPtd(Calibration.A100), 12, 0.07, 0.21);
    }

    /** Asserts a table's row count and its mean and max absolute errors at most {@code mean} and {@code max}. */
    static void assertTable(List<Validation.Row> rows, int count, double mean, double max) {
        assertEquals(count, rows.size());
        assertTrue(Validation.meanAbsError(rows) <= mean, "mean " + Validation.meanAbsError(rows));
        assertTrue(Validation.maxAbsError(rows) <= max, "max " + Validation.maxAbsError(rows));
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

package dev.parasim.validate;

import dev.parasim.spec.Calibration;
import dev.parasim.workload.Flops;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bundled table with one calibration per GPU type (Calibration.H100, Calibration.A100). Measured (sim validate):
 * Megatron-Core H100 mean 6.1%, max 16.7%; held-out A100 (Narayanan et al. 2021 Table 1, never fitted to) mean 4.4%,
 * max 7.5%; llm-foundry H100 mean 4.0%, max 26.6%; llm-foundry A100 mean 3.8%, max 34.5%; held-out Table 2 mean 8.0%,
 * max 18.8%. Before llm-foundry's full recompute stopped early (PyTorch's non-reentrant checkpoint leaves the MLP's
 * output GEMM out, {@code cost.ComputeCost#layer}) and a cross-node AllGather/ReduceScatter ring's bytes were paced by
 * its NICs alone ({@code collective.CollectiveCost}): 6.2%/16.7%, 4.4%/7.5%, 5.4%/19.8%, 5.1%/21.3%, 6.1%/20.9%
 * (5.9%/13.9%, 4.2%/7.3%, 4.1%/27.4% and 5.5%/24.5% before the cross-entropy was counted kernel by kernel and the
 * calibrations refitted; 6.3%/16.3%, 5.3%/9.8%, 6.9%/29.3% and 6.7%/32.8% before a full recompute replayed only the
 * forward's kernels and hidden per-micro-batch DP collectives slowed the compute they hide behind). The bounds sit a
 * little above those measurements so that a change making any table worse fails here; the goal (mean ≤ 8%,
 * max ≤ 20% per table) is met in full by Megatron-Core and the held-out Tables 1 and 2, by llm-foundry's tables on the
 * mean only: their worst rows (70B on 64 A100 40 GB, 30B at 8,192 tokens on 8 GPUs, mpt-1b on 32 A100 40 GB, mpt-760m at
 * 512 tokens on A100 80 GB) are measured 18–27% below neighbours the model prices smoothly (see README); the full
 * recompute rows, 6.4–6.7% too slow on average before the early stop, are now within 1.6% on average.
 * The held-out ZeRO-3 vs PTD-P table (Narayanan et al. 2021 Table 2) is held by {@link #heldOutZero3VsPtdWithinMeasuredBounds}
 * and, pair by pair, {@code ZeroVsPtdTest} (10.3%, 32.9% before DeepSpeed's on-demand fetch paid the recompute's second
 * gather, {@code analytic.CommModel.backwardGathers}).
 */
class ValidationTest {

    @Test
    void megatronCoreWithinTargets() {
        List<Validation.Row> rows = Validation.megatronCore(Calibration.H100);
        assertEquals(9, rows.size());
        // Issue #13's goal per table: mean <= 8%, max <= 20%.
        assertTrue(Validation.meanAbsError(rows) <= 0.08, "mean " + Validation.meanAbsError(rows));
        assertTrue(Validation.maxAbsError(rows) <= 0.20, "max " + Validation.maxAbsError(rows));
        // Measured: mean 6.1%, max 16.7%.
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
        // Measured: mean 3.6%, max 24.3% (mpt-30b at 8,192 tokens on 8 GPUs, measured 17% below its 4,096-token twin):
        // the goal (mean <= 8%, max <= 20%) is met on the mean. 4.0%, 26.6% before gradients were reduce-scattered
        // in fp32 (Composer's default); 5.4%, 19.8% before the recompute's early stop and the NIC-paced rings (the
        // full-recompute rows 6.7% too slow on average then); 4.1%, 27.4% before the cross-entropy's refit.
        assertTable(Validation.llmFoundry("dgx-h100", Calibration.H100), 77, 0.038, 0.245);
        assertRegime("dgx-h100", Calibration.H100, Validation.Regime.LONG_SEQUENCE, 14, 0.048, 0.09);    // 4.7%, 8.6%
        assertRegime("dgx-h100", Calibration.H100, Validation.Regime.FP8, 7, 0.039, 0.085);              // 3.8%, 8.1%
        assertRegime("dgx-h100", Calibration.H100, Validation.Regime.FSDP_LARGE, 18, 0.043, 0.135);      // 4.1%, 13.3%
        assertRegime("dgx-h100", Calibration.H100, Validation.Regime.FULL_RECOMPUTE, 30, 0.042, 0.245);  // 4.0%, 24.3%
        assertRegime("dgx-h100", Calibration.H100, Validation.Regime.OTHER, 27, 0.022, 0.095);           // 2.0%, 9.3%
    }

    /** llm-foundry on A100 40/80 GB (139 rows), per regime too. */
    @Test
    void llmFoundryA100WithinMeasuredBounds() {
        // Measured: mean 3.9%, max 30.3% (70B on 64 A100 40 GB, measured 27% below its 128-GPU twin; 30B at 8,192 tokens
        // +27.4%, mpt-1b on 32 A100 40 GB +21.2%, mpt-760m at 512 tokens on A100 80 GB +21.0%). 3.8%, 34.5% before
        // gradients were reduce-scattered in fp32 (Composer's default); 5.1%, 21.3% before the recompute's early stop and
        // the NIC-paced rings (the full-recompute rows 6.4% too slow on average then); 5.5%, 24.5% before the
        // cross-entropy's refit.
        assertTable(Validation.llmFoundry("dgx-a100", Calibration.A100), 139, 0.041, 0.31);
        assertRegime("dgx-a100", Calibration.A100, Validation.Regime.LONG_SEQUENCE, 31, 0.034, 0.118);   // 3.3%, 11.3%
        assertRegime("dgx-a100", Calibration.A100, Validation.Regime.FSDP_LARGE, 9, 0.02, 0.03);         // 1.8%, 2.7%
        assertRegime("dgx-a100", Calibration.A100, Validation.Regime.FULL_RECOMPUTE, 49, 0.06, 0.31);    // 5.7%, 30.3%
        assertRegime("dgx-a100", Calibration.A100, Validation.Regime.OTHER, 68, 0.032, 0.215);           // 3.1%, 21.2%
    }

    /**
     * Narayanan et al. 2021 Table 2 (held out): measured mean 8.0% (7.98%), max 18.8% (the 530B ZeRO-3 rows +17.9% to
     * +18.8%; 175B ZeRO-3 on 1,536 GPUs, latency-bound, 15.6% slow). 6.1%, 20.9% before a cross-node ring's bytes were
     * paced by its NICs alone (175B on 1,536 GPUs 20.9% slow, 530B +6.9% to +10.5%); the 530B rows +22% to +33% before
     * the recompute's gathers were counted; 6.7%, 20.5% before the cross-entropy's refit.
     */
    @Test
    void heldOutZero3VsPtdWithinMeasuredBounds() {
        assertTable(Validation.zero3VsPtd(Calibration.A100), 12, 0.08, 0.19);
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

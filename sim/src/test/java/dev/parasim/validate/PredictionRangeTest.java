package dev.parasim.validate;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.spec.Calibration;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ranges from the model's own residuals on the bundled published runs (issue 13). */
class PredictionRangeTest {

    static Experiment load(String file, String... sets) {
        return SpecLoader.load(Path.of("..", "configs", "experiments", file), List.of(sets));
    }

    @Test
    void aStandardH100PlanGetsTheSpanOfTheStandardH100Runs() {
        Experiment e = load("showcase-llama2-70b.yaml");
        PlanPrediction p = Accountant.predict(e, e.plans().get(0));
        PredictionRange r = PredictionRange.of(e, p).orElseThrow();
        assertEquals("H100", r.gpu());
        assertEquals(Set.of(Validation.Regime.OTHER), r.regimes());
        // The standard regime's H100 runs: Megatron-Core's whole table and llm-foundry's H100 rows outside the four regimes.
        List<Validation.Row> mc = Validation.megatronCore(Calibration.H100);
        List<MptTable.Run> runs = Validation.llmFoundryRuns("dgx-h100");
        List<Validation.Row> foundry = Validation.llmFoundry("dgx-h100", Calibration.H100);
        double low = Double.POSITIVE_INFINITY, high = Double.NEGATIVE_INFINITY;
        int n = 0;
        for (Validation.Row row : mc) { low = Math.min(low, row.relativeError()); high = Math.max(high, row.relativeError()); n++; }
        for (int i = 0; i < runs.size(); i++)
            if (Validation.Regime.of(runs.get(i)).equals(List.of(Validation.Regime.OTHER))) {
                low = Math.min(low, foundry.get(i).relativeError());
                high = Math.max(high, foundry.get(i).relativeError());
                n++;
            }
        assertEquals(n, r.runs());
        assertEquals(36, r.runs());
        assertEquals(low, r.errorLow());
        assertEquals(high, r.errorHigh());
        // -0.195 before Megatron-Core ran the Hopper-native attention kernel, -0.163 before the recompute and overlap refit,
        // -0.139 before the cross-entropy's refit
        assertEquals(-0.167, r.errorLow(), 0.001);
        // 0.262 before ZeRO-3 exposed each pass's first gather and last reduce-scatter, 0.244 before the refit, 0.121
        // before the cross-entropy's refit, 0.096 before llm-foundry's gradients were reduce-scattered in fp32
        assertEquals(0.093, r.errorHigh(), 0.001);
        assertEquals(p.time().stepSeconds() * (1 + low), r.lowSeconds(), 1e-12);
        assertEquals(p.time().stepSeconds() * (1 + high), r.highSeconds(), 1e-12);
        assertTrue(r.describe().startsWith(String.format(java.util.Locale.ROOT, "%.3f–%.3f s: the model's error on the 36 published H100 runs",
                r.lowSeconds(), r.highSeconds())), r.describe());
    }

    @Test
    void fullRecomputeOnA100RestsOnNarayanansTableAndTheFoundryCheckpointedRuns() {
        Experiment e = load("gpt3-on-a100.yaml", "training.recompute=full");
        PredictionRange r = PredictionRange.of(e, Accountant.predict(e, e.plans().get(0))).orElseThrow();
        assertEquals("A100", r.gpu());
        assertEquals(Set.of(Validation.Regime.FULL_RECOMPUTE), r.regimes());
        long foundry = Validation.llmFoundryRuns("dgx-a100").stream()
                .filter(run -> Validation.Regime.of(run).contains(Validation.Regime.FULL_RECOMPUTE)).count();
        assertEquals(Validation.heldOutA100(Calibration.A100).size() + foundry, r.runs());
    }

    @Test
    void noRangeWithoutPublishedRunsOfThatGpu() {
        Experiment e = SpecLoader.parse("""
                name: tiny
                model: {preset: tiny-gpt}
                cluster: {preset: cpu-8}
                training: {globalBatch: 16, microBatch: 1, precision: fp32}
                plans: [{name: ddp, dp: 8}]
                """, List.of());
        assertTrue(PredictionRange.of(e, Accountant.predict(e, e.plans().get(0))).isEmpty());
    }
}

package dev.parasim.sweep;

import dev.parasim.Fixtures;
import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.SweepSpec;
import dev.parasim.spec.load.SweepLoader;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A sweep of an MoE model searches ep: each ep is its own plan (named …-ep8, with its ep column), priced as `predict`
 * prices it; an ep the layout breaks is a rejected candidate counted under its rule; a dense model refuses the axis.
 */
class SweepExpertParallelTest {
    static final String SWEEP = """
            name: mixtral
            model: {preset: mixtral-8x7b}
            cluster: {preset: dgx-h100}
            gpus: [64]
            training: {globalBatch: 512, precision: bf16-mixed}
            axes:
              tp: [1, 2]
              pp: [1]
              ep: [1, 4, 8]
              zero: [1]
              microBatch: [1]
              recompute: [full, none]
              sequenceParallel: [true]
            """;

    @Test
    void everyEpIsAPlanPricedAsPredictPricesIt() {
        SweepSpec spec = SweepLoader.parse(SWEEP, List.of());
        assertEquals(List.of(1, 4, 8), spec.axes().ep());
        List<SweepResult> rows = new ArrayList<>();
        PlanEvaluator evaluator = new PlanEvaluator(spec);
        for (PlanSpace.Seed seed : PlanSpace.seeds(spec)) evaluator.evaluate(seed, rows::add);
        List<SweepResult> plans = rows.stream().filter(r -> !r.status().equals(SweepResult.INVALID)).toList();
        // A rejected ep does not reject the same layout's ep 1 under another recompute policy.
        assertEquals(List.of("dp64-tp1-pp1-z1-mb1-full", "dp64-tp1-pp1-z1-mb1-full-ep4", "dp64-tp1-pp1-z1-mb1-full-ep8",
                "dp64-tp1-pp1-z1-mb1-none", "dp64-tp1-pp1-z1-mb1-none-ep4", "dp64-tp1-pp1-z1-mb1-none-ep8",
                "dp32-tp2-pp1-z1-mb1-full-sp", "dp32-tp2-pp1-z1-mb1-none-sp"), plans.stream().map(SweepResult::plan).toList());
        assertEquals(List.of(1, 4, 8, 1, 4, 8, 1, 1), plans.stream().map(SweepResult::ep).toList());
        // tp 2 with ep 4 or 8, under each recompute: four candidates rejected by one rule.
        List<SweepResult> rejected = rows.stream().filter(r -> r.status().equals(SweepResult.INVALID)).toList();
        assertEquals(1, rejected.size());
        assertEquals("plan.tp: must be 1 under expert parallelism (experts split over TP as well are not modelled)",
                rejected.get(0).reason());
        assertEquals(4, rejected.get(0).count());
        PlanPrediction predicted = Accountant.predict(Fixtures.experiment("""
                name: mixtral
                model: {preset: mixtral-8x7b}
                cluster: {preset: dgx-h100, nodes: 8}
                training: {globalBatch: 512, microBatch: 1, precision: bf16-mixed, recompute: full}
                plans: [{name: ep8, ep: 8, zero: 1}]
                """)).get(0);
        SweepResult ep8 = plans.get(2);
        assertEquals(predicted.memory().peakBytes(), ep8.peakBytes());
        assertEquals(predicted.comm().bytesPerGpu(), ep8.commBytesPerGpu());
        assertEquals(predicted.time().stepSeconds(), ep8.stepSeconds(), 1e-12 * predicted.time().stepSeconds());
    }

    @Test
    void aDenseModelRefusesTheEpAxis() {
        SpecException e = assertThrows(SpecException.class,
                () -> SweepLoader.parse(SWEEP.replace("{preset: mixtral-8x7b}", "{preset: llama3-8b}"), List.of()));
        assertEquals("axes.ep[1]: needs a mixture-of-experts model (model.moe), found 4", e.getMessage());
    }
}

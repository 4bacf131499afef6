package dev.parasim.sweep;

import dev.parasim.Fixtures;
import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.spec.CrossEntropy;
import dev.parasim.spec.SweepSpec;
import dev.parasim.spec.ZeroGathers;
import dev.parasim.spec.load.SweepLoader;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sweep's training settings include the framework's (zeroGathers, recomputeEarlyStop, gradReduceFp32,
 * crossEntropy), and every plan it evaluates prices them as `predict` does the same plan.
 */
class SweepTrainingTest {
    static final String SWEEP = """
            name: titan
            model: {preset: llama3-8b}
            cluster: {preset: dgx-h100}
            gpus: [8]
            training: {globalBatch: 16, precision: bf16-mixed, zeroGathers: units, recomputeEarlyStop: true,
                       gradReduceFp32: true, crossEntropy: out-of-place}
            axes:
              tp: [1]
              pp: [1]
              zero: [3]
              microBatch: [2]
              recompute: [selective-ops]
            """;

    @Test
    void frameworkSettingsReachEveryPlan() {
        SweepSpec spec = SweepLoader.parse(SWEEP, List.of());
        assertEquals(CrossEntropy.OUT_OF_PLACE, spec.training().crossEntropy());
        assertEquals(ZeroGathers.UNITS, spec.training().zeroGathers());
        assertTrue(spec.training().recomputeEarlyStop() && spec.training().gradReduceFp32());
        List<SweepResult> rows = new ArrayList<>();
        PlanEvaluator evaluator = new PlanEvaluator(spec);
        for (PlanSpace.Seed seed : PlanSpace.seeds(spec)) evaluator.evaluate(seed, rows::add);
        assertEquals(1, rows.size());
        PlanPrediction predicted = Accountant.predict(Fixtures.experiment("""
                name: titan
                model: {preset: llama3-8b}
                cluster: {preset: dgx-h100, nodes: 1}
                training: {globalBatch: 16, microBatch: 2, precision: bf16-mixed, recompute: selective-ops, recomputeEarlyStop: true,
                           gradReduceFp32: true, crossEntropy: out-of-place}
                plans: [{name: fsdp, zero: 3}]
                """)).get(0);
        assertEquals(predicted.memory().peakBytes(), rows.get(0).peakBytes());
        assertEquals(predicted.time().stepSeconds(), rows.get(0).stepSeconds(), 1e-12 * predicted.time().stepSeconds());
    }
}

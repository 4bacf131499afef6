package dev.parasim.analytic;

import dev.parasim.Fixtures;
import dev.parasim.cost.ComputeCost;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code training.recomputeEarlyStop}: read from the experiment, and the step gives back exactly what the layer saves. */
class RecomputeEarlyStopTest {
    static final String YAML = """
            name: es
            model: {preset: llama3-8b}
            cluster: {preset: dgx-h100, nodes: 1}
            training: {globalBatch: 16, microBatch: 2, precision: bf16-mixed, recompute: full%s}
            plans: [{name: fsdp, zero: 3}]
            """;

    @Test
    void theStepSavesTheMlpOutputGemmOfEveryLayerAndMicroBatch() {
        Experiment whole = Fixtures.experiment(String.format(YAML, ""));
        Experiment early = Fixtures.experiment(String.format(YAML, ", recomputeEarlyStop: true"));
        assertFalse(whole.training().recomputeEarlyStop());
        assertTrue(early.training().recomputeEarlyStop());
        ParallelPlan plan = early.plans().get(0);
        ComputeCost cost = new ComputeCost(early.cluster().gpu(), early.training().precision(), early.cluster().calibration());
        double saved = cost.layer(early.model(), plan, 2, early.training().recompute(), false).backwardInput()
                - cost.layer(early.model(), plan, 2, early.training().recompute(), true).backwardInput();
        // 8 GPUs × 2 sequences = 16: one micro-batch of 2 per GPU; 32 layers.
        assertEquals(1, early.microBatches(plan));
        StageCost w = StepTimeModel.stage(whole, plan, 0, CommModel.stage(whole, plan, 0));
        StageCost e = StepTimeModel.stage(early, plan, 0, CommModel.stage(early, plan, 0));
        assertEquals(32 * saved, w.compute().backwardInput() - e.compute().backwardInput(), 1e-12);
        assertEquals(w.compute().forward(), e.compute().forward(), 0);
        // The saving is the down projection's forward GEMM (2 × 8,192 tokens × 4,096 × 14,336) plus the last residual
        // add's 6 B a token and hidden unit at 0.80 of 3,350 GB/s (the calibrated forward's third caps neither replay).
        assertEquals(cost.gemm(16384, 4096, 14336) + 16384.0 * 4096 * 6 / (3350e9 * 0.80), saved, 1e-15);
    }
}

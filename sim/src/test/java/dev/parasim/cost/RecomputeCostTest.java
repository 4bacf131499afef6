package dev.parasim.cost;

import dev.parasim.spec.AttentionKernel;
import dev.parasim.spec.Calibration;
import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.Precision;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.ZeroStage;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a full recompute replays: the whole forward, or (early stop) all of it but the MLP's output GEMM and residual add. */
class RecomputeCostTest {
    static final ClusterSpec A100 = SpecLoader.clusterPreset("dgx-a100-80g");
    /** mpt-7b at 2,048 tokens: GeLU MLP of 4h, flash attention, no dropout. */
    static final ModelSpec MPT_7B = new ModelSpec("mpt-7b", 32, 4096, 32, 32, 16384, 50368, 2048, MlpKind.GELU, true, false,
            AttentionKernel.FLASH);
    /** A fixed calibration, so the goldens do not move with a refit (HBM at 0.80 of 2,039 GB/s). */
    static final Calibration FIXED = new Calibration(0.71, 68, 0.32, 384, 0.80, 100, 0.52, 1.0, 4);
    static final double HBM = 2039e9 * 0.80;
    static final ParallelPlan PLAN = new ParallelPlan("p", 8, 1, 1, 1, ZeroStage.PARAMETERS, PipelineSchedule.ONE_F_ONE_B, 1, false);

    @Test
    void earlyStopLeavesOutTheMlpOutputGemmAndTheLastResidualAdd() {
        ComputeCost cost = new ComputeCost(A100.gpu(), Precision.BF16_MIXED, FIXED);
        PassTimes none = cost.layer(MPT_7B, PLAN, 4, Recompute.NONE);
        PassTimes whole = cost.layer(MPT_7B, PLAN, 4, Recompute.FULL, false);
        PassTimes early = cost.layer(MPT_7B, PLAN, 4, Recompute.FULL, true);
        double tokens = 4 * 2048, h = 4096;
        // The recompute sits in B only.
        assertEquals(none.forward(), early.forward(), 0);
        assertEquals(none.backwardWeight(), early.backwardWeight(), 0);
        // The element-wise kernels replayed, counted kernel by kernel: 2 norms (4 B) and 2 residual adds (6 B) and GeLU
        // (4·f/h = 16 B) a token and hidden unit, 36 B, and 30 B with early stop (the last residual add left out).
        assertEquals(tokens * h * 36 / HBM, cost.recomputedElementwise(MPT_7B, PLAN, tokens, false), 1e-15);
        assertEquals(tokens * h * 30 / HBM, cost.recomputedElementwise(MPT_7B, PLAN, tokens, true), 1e-15);
        // The whole replay is capped at the calibrated forward's third of 100 B; early stop saves fc2's forward GEMM
        // (8,192 × 4,096 × 16,384: a third of the layer's weight FLOPs, 4h² of 12h²) and 100/3 − 30 B of element-wise traffic.
        assertEquals(cost.gemm(tokens, h, 4 * h) + tokens * h * (100.0 / 3 - 30) / HBM,
                whole.backwardInput() - early.backwardInput(), 1e-15);
        // With dropout the residual dropout's mask is the last saved tensor: fc2 is replayed, only the add (6 B) is not
        // (the replay's 46 B, 2 dropouts' 10 B included, against 40 B; a calibrated 150 B caps neither at its 50 B third).
        ModelSpec dropout = new ModelSpec("mpt-7b-dropout", 32, 4096, 32, 32, 16384, 50368, 2048, MlpKind.GELU, true, true,
                AttentionKernel.FLASH);
        ComputeCost wide = new ComputeCost(A100.gpu(), Precision.BF16_MIXED, new Calibration(0.71, 68, 0.32, 384, 0.80, 150, 0.52, 1.0, 4));
        assertEquals(tokens * h * 6 / HBM, wide.layer(dropout, PLAN, 4, Recompute.FULL, false).backwardInput()
                - wide.layer(dropout, PLAN, 4, Recompute.FULL, true).backwardInput(), 1e-15);
        // 1.10e12 FLOPs at 0.71 · 4,096/4,164 of 312 TFLOP/s, plus the 4 µs launch: 5.05 ms a layer and micro-batch.
        assertEquals(0.0050499, cost.gemm(tokens, h, 4 * h), 1e-7);
    }
}

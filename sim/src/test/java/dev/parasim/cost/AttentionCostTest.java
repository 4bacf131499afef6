package dev.parasim.cost;

import dev.parasim.spec.AttentionKernel;
import dev.parasim.spec.Calibration;
import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.Precision;
import dev.parasim.spec.ZeroStage;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The attention core's cost under flash and eager kernels, and fp8's op coverage, against hand-computed values. */
class AttentionCostTest {
    static final ClusterSpec H100 = SpecLoader.clusterPreset("dgx-h100");
    static final ModelSpec LLAMA3_8B = SpecLoader.modelPreset("llama3-8b");
    static final ParallelPlan TP1 = new ParallelPlan("p", 8, 1, 1, 1, ZeroStage.DDP, PipelineSchedule.ONE_F_ONE_B, 1, false);
    /** A fixed calibration (attention 0.18 at half-sequence 768, HBM at 0.80), so the goldens do not move with a refit. */
    static final Calibration FIXED = HeadCostTest.FIXED;

    @Test
    void flashChargesTheCausalTilesAtItsSequenceDependentThroughput() {
        ComputeCost cost = new ComputeCost(H100.gpu(), Precision.BF16_MIXED, FIXED);
        PassTimes core = cost.attentionCore(LLAMA3_8B, TP1, 8192);
        // 8192 keys = 64 tiles of 128: 65/128 of the score tiles under a causal mask; efficiency 0.18 · 8192/(8192 + 768).
        double flops = 65.0 / 128 * 4 * 8192.0 * 8192 * 4096;
        double forward = flops / (989.4e12 * 0.18 * 8192 / 8960) + 4e-6;
        assertEquals(forward, core.forward(), 1e-15);
        assertEquals(2.5 * forward, core.backwardInput(), 1e-15);
        assertEquals(0, core.backwardWeight());
        // At 2048 keys (16 tiles) the causal share is 17/32 and the kernel slower per FLOP.
        ModelSpec short2k = new ModelSpec("s", 32, 4096, 32, 8, 14336, 128256, 2048, LLAMA3_8B.mlp(), false, false,
                AttentionKernel.FLASH);
        double forward2k = 17.0 / 32 * 4 * 2048.0 * 2048 * 4096 / (989.4e12 * 0.18 * 2048 / 2816) + 4e-6;
        assertEquals(forward2k, cost.attentionCore(short2k, TP1, 2048).forward(), 1e-15);
    }

    @Test
    void hopperKernelRunsTheSameTilesOneAndAHalfTimesFaster() {
        ComputeCost cost = new ComputeCost(H100.gpu(), Precision.BF16_MIXED, FIXED);
        PassTimes fa2 = cost.attentionCore(LLAMA3_8B, TP1, 8192);
        PassTimes hopper = cost.attentionCore(LLAMA3_8B.withAttention(AttentionKernel.FLASH_HOPPER), TP1, 8192);
        // Efficiency 1.5 · 0.18 · 8192/8960 of peak, the same causal FLOPs; the launch is not sped up.
        assertEquals((fa2.forward() - 4e-6) / 1.5 + 4e-6, hopper.forward(), 1e-15);
        assertEquals(2.5 * hopper.forward(), hopper.backwardInput(), 1e-15);
        assertTrue(LLAMA3_8B.withAttention(AttentionKernel.FLASH_HOPPER).flashAttention(), "same memory as flash");
    }

    @Test
    void eagerRunsUnmaskedBatchedGemmsAndMovesTheScores() {
        ComputeCost cost = new ComputeCost(H100.gpu(), Precision.BF16_MIXED, FIXED);
        ModelSpec eager = LLAMA3_8B.withAttention(AttentionKernel.EAGER);
        PassTimes core = cost.attentionCore(eager, TP1, 8192);
        double scores = 32.0 * 8192 * 8192;   // a·T·s elements
        double gemms = 32 * (cost.gemm(8192, 8192, 128) + cost.gemm(8192, 128, 8192));
        assertEquals(gemms + scores * 4 / (3350e9 * 0.80), core.forward(), 1e-12);
        assertTrue(core.total() > cost.attentionCore(LLAMA3_8B, TP1, 8192).total(), "flash is the faster kernel");
    }

    @Test
    void fp8RunsOnlyTheWeightGemmsInFp8() {
        ComputeCost bf16 = new ComputeCost(H100.gpu(), Precision.BF16_MIXED, FIXED);
        ComputeCost fp8 = new ComputeCost(H100.gpu(), Precision.FP8_MIXED, FIXED);
        // Attention stays bf16: the same seconds under either precision.
        assertEquals(bf16.attentionCore(LLAMA3_8B, TP1, 8192).total(), fp8.attentionCore(LLAMA3_8B, TP1, 8192).total(), 0);
        // A large weight GEMM runs at the fp8 peak (1978.9 vs 989.4 TFLOP/s).
        assertEquals(989.4 / 1978.9, (fp8.gemm(8192, 8192, 8192) - 4e-6) / (bf16.gemm(8192, 8192, 8192) - 4e-6), 1e-12);
        // Casts: forward 4 B · T · (2h + h/t + f/t), backward 3 B · T · ((h + 2·kv + 2f)/t + 2h), at 80% of 3350 GB/s.
        double t = 8192, h = 4096, f = 14336, kv = 1024;
        double bytes = 4 * t * (3 * h + f) + 3 * t * (h + 2 * kv + 2 * f + 2 * h);
        assertEquals(bytes / (3350e9 * 0.80), fp8.fp8Casts(LLAMA3_8B, TP1, t), 1e-15);
    }
}

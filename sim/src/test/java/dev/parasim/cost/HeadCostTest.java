package dev.parasim.cost;

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

/** The LM head: the logits GEMM and the unfused fp32 cross-entropy's HBM traffic, against hand-computed values. */
class HeadCostTest {
    static final ClusterSpec H100 = SpecLoader.clusterPreset("dgx-h100");
    static final ModelSpec LLAMA3_8B = SpecLoader.modelPreset("llama3-8b");
    /** A fixed calibration, so the goldens do not move with a refit (HBM at 0.80 of 3,350 GB/s). */
    static final Calibration FIXED = new Calibration(0.72, 68, 0.18, 768, 0.80, 250, 0.52, 1.0, 4);
    static final double HBM = 3350e9 * 0.80;

    static ParallelPlan plan(int tp) {
        return new ParallelPlan("p", 1, tp, 1, 1, ZeroStage.DDP, PipelineSchedule.ONE_F_ONE_B, 1, false);
    }

    @Test
    void bf16CrossEntropyMovesFourteenBytesPerLogitForwardAndTwentyTwoBackward() {
        ComputeCost cost = new ComputeCost(H100.gpu(), Precision.BF16_MIXED, FIXED);
        PassTimes head = cost.head(LLAMA3_8B, plan(1), 1);
        // 8,192 tokens × 128,256 logits. Forward: cast up (2 + 4) and log-softmax (4 + 4) = 14 B a logit;
        // backward: the dense NLL gradient (4), log-softmax's backward (4 + 4 + 4), cast down (4 + 2) = 22 B.
        double logits = 8192.0 * 128256;
        assertEquals(cost.gemm(8192, 128256, 4096) + logits * 14 / HBM, head.forward(), 1e-15);
        assertEquals(cost.gemm(8192, 4096, 128256) + logits * 22 / HBM, head.backwardInput(), 1e-15);
        assertEquals(cost.gemm(4096, 128256, 8192), head.backwardWeight(), 1e-15);
        // 1.05e9 logits · 36 B = 37.8 GB: 14.1 ms at 2,680 GB/s, three times the 12 B a logit charged before.
        assertEquals(0.0141135, logits * 36 / HBM, 1e-7);
    }

    @Test
    void fp32HasNoCastsAndTensorParallelismSplitsTheVocabulary() {
        ComputeCost fp32 = new ComputeCost(H100.gpu(), Precision.FP32, FIXED);
        PassTimes head = fp32.head(LLAMA3_8B, plan(1), 1);
        double logits = 8192.0 * 128256;
        assertEquals(fp32.gemm(8192, 128256, 4096) + logits * 8 / HBM, head.forward(), 1e-15);
        assertEquals(fp32.gemm(8192, 4096, 128256) + logits * 16 / HBM, head.backwardInput(), 1e-15);
        // tp 2: each rank holds 64,128 of the vocabulary's logits.
        ComputeCost bf16 = new ComputeCost(H100.gpu(), Precision.BF16_MIXED, FIXED);
        PassTimes shard = bf16.head(LLAMA3_8B, plan(2), 1);
        assertEquals(bf16.gemm(8192, 64128, 4096) + 8192.0 * 64128 * 14 / HBM, shard.forward(), 1e-15);
    }
}

package dev.parasim.validate;

import dev.parasim.Fixtures;
import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * torchtitan's published FSDP runs, which no calibration saw, with the settings torchtitan trains under:
 * PyTorch FSDP with fp32 gradient reduction, the non-reentrant checkpoint ({@code recomputeEarlyStop}), the loss as
 * {@code F.cross_entropy} on fp32 logits ({@code crossEntropy: out-of-place}), and its activation checkpointing, either
 * full or the operator-level policy ({@code recompute: selective-ops}: keep the attention kernel's output and every
 * other GEMM's, recompute the rest).
 * <ul>
 * <li>Throughput on 64 A100 80 GB (docs/performance.md of pytorch/torchtitan, as of commit 3faaa1a, August 2024;
 *     tokens/s per GPU): predicted within −4.0% … +1.1% of all six rows, and the operator-level recompute's cost over
 *     none on Llama 2 13B (published 2,162 → 1,904, −11.9%) predicted −9.5%. The same page notes that Llama 2 70B at
 *     micro-batch 2 under the operator-level policy ran out of memory: it does not fit here either (103 GB).</li>
 * <li>Peak memory on 8 and 128 H100 (benchmarks/llama3_h100_202412_torchtitan.md, Tables 1–3, December 2024; GiB of
 *     the caching allocator's reserved memory): Llama 3.1 8B, micro-batch 2 at 8,192 tokens, predicted 70.9 GiB on 8
 *     GPUs (measured 82.4) and 56.7 on 128 (67.0); at 32,768 tokens, micro-batch 1, full recompute and fp8, 71.5 GiB
 *     (83.9; that run also used torch.compile, not modelled). The prediction is the allocated peak, 84–86% of the
 *     reserved one in all three; reserved minus allocated was not measured. The band held here, 0.80–0.90, was set
 *     after seeing those ratios, and these rows led to the loss term, so for memory they are a check, not a blind
 *     test. (With Korthikanti's selective recompute, which keeps what flash attention already spares, and the
 *     cross-entropy's gradient in place, they had been 93.1 and 79.0 GiB, +13% and +18%, and the 32K row 41.2, −51%.)
 *     Throughput of these H100 rows is not compared: torchtitan's H100s ran at 500 W with HBM2e, which the dgx-h100
 *     preset does not model (predicted +18%, +19%, −14%).</li>
 * </ul>
 */
class TorchtitanHeldOutTest {
    static final String LLAMA2_13B = "{name: llama2-13b, layers: 40, hidden: 5120, heads: 40, kvHeads: 40, ffnHidden: 13824,"
            + " vocab: 32000, seqLen: 4096, mlp: swiglu, tiedEmbeddings: false, dropout: false, attention: flash}";
    static final double TOKENS_TOLERANCE = 0.05;

    static PlanPrediction fsdp(String model, String cluster, int gpus, int microBatch, String recompute, String precision) {
        String yaml = """
                name: torchtitan
                model: %s
                cluster: {preset: %s, nodes: %d}
                training: {globalBatch: %d, microBatch: %d, precision: %s, recompute: %s, recomputeEarlyStop: true,
                           gradReduceFp32: true, crossEntropy: out-of-place}
                plans: [{name: fsdp, zero: 3}]
                """.formatted(model, cluster, gpus / 8, gpus * microBatch, microBatch, precision, recompute);
        return Accountant.predict(Fixtures.experiment(yaml)).get(0);
    }

    static String model(String name) {
        return name.equals("llama2-13b") ? LLAMA2_13B : "{preset: " + name + "}";
    }

    @ParameterizedTest(name = "{0} b={1} {2}: {3} tokens/s/GPU")
    @CsvSource({"llama3-8b, 1, selective-ops, 2973", "llama3-70b, 1, full, 331", "llama2-13b, 2, none, 2162",
            "llama2-13b, 2, selective-ops, 1904", "llama2-70b, 1, selective-ops, 355", "llama2-70b, 2, full, 353"})
    void throughputOnSixtyFourA100s(String name, int microBatch, String recompute, double published) {
        PlanPrediction p = fsdp(model(name), "dgx-a100-80g", 64, microBatch, recompute, "bf16-mixed");
        double predicted = p.tokensPerSecond() / 64;
        assertTrue(p.fits(), name);
        assertEquals(1, predicted / published, TOKENS_TOLERANCE, name + ": predicted " + predicted + " tokens/s/GPU");
    }

    @org.junit.jupiter.api.Test
    void operatorLevelRecomputeCostsWhatItRecomputes() {
        double none = fsdp(LLAMA2_13B, "dgx-a100-80g", 64, 2, "none", "bf16-mixed").tokensPerSecond();
        double ops = fsdp(LLAMA2_13B, "dgx-a100-80g", 64, 2, "selective-ops", "bf16-mixed").tokensPerSecond();
        assertEquals(1904.0 / 2162 - 1, ops / none - 1, 0.03);   // published −11.9%, predicted −9.5%
        assertFalse(fsdp("{preset: llama2-70b}", "dgx-a100-80g", 64, 2, "selective-ops", "bf16-mixed").fits(),
                "torchtitan: Llama 2 70B at micro-batch 2 under selective op AC runs out of memory");
    }

    @ParameterizedTest(name = "{0} GPUs, s={1}: {5} GiB reserved")
    @CsvSource({"8, 8192, 2, selective-ops, bf16-mixed, 82.4", "128, 8192, 2, selective-ops, bf16-mixed, 67.0",
            "8, 32768, 1, full, fp8-mixed, 83.9"})
    void peakMemoryOfLlama31EightB(int gpus, int seqLen, int microBatch, String recompute, String precision, double gib) {
        PlanPrediction p = fsdp("{preset: llama3-8b, seqLen: " + seqLen + "}", "dgx-h100", gpus, microBatch, recompute, precision);
        double ratio = p.memory().peakBytes() / (gib * (1L << 30));
        assertTrue(ratio >= 0.80 && ratio <= 0.90, "predicted " + p.memory().peakBytes() / (double) (1L << 30)
                + " GiB allocated against " + gib + " GiB reserved: ratio " + ratio);
    }
}

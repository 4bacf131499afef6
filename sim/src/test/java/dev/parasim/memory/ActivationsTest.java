package dev.parasim.memory;

import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.ZeroStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Korthikanti et al. 2022 (arXiv:2205.05198) Table 2 and the check values derived from it (layers only, as the
 * paper counts them), and hand-derived exact values for the terms the paper leaves out: dropout switched off,
 * norm statistics, the edge terms of each model chunk, and the interleaved schedule's peak over unequal chunks.
 */
class ActivationsTest {
    static final ModelSpec GPT22B = new ModelSpec("22b", 48, 6144, 64, 64, 4 * 6144, 51200, 2048, MlpKind.GELU, true, true);
    static final ModelSpec GPT175B = new ModelSpec("175b", 96, 12288, 96, 96, 4 * 12288, 51200, 2048, MlpKind.GELU, true, true);

    static ParallelPlan plan(int tp, int pp, boolean sp) {
        return new ParallelPlan("p", 1, tp, pp, 1, ZeroStage.DDP, PipelineSchedule.ONE_F_ONE_B, 1, sp);
    }

    /** The paper's first-stage total: its per-layer bytes (16-bit) times the layers stage 0 keeps in flight, no edge terms. */
    static double firstStageGB(ModelSpec m, int tp, int pp, int b, boolean sp, Recompute r) {
        ParallelPlan plan = plan(tp, pp, sp);
        return Activations.perLayer(m, plan, b, r, 2) * Activations.layersInFlight(m, plan, 64, 0) / 1e9;
    }

    @ParameterizedTest(name = "22B {0} sp={1}")
    @CsvSource({"none, false, 63.62", "none, true, 42.48", "selective, true, 10.27", "full, false, 4.83"})
    void twentyTwoBillion(String recompute, boolean sp, double gb) {
        assertEquals(gb, round2(firstStageGB(GPT22B, 8, 1, 4, sp, Recompute.valueOf(recompute.toUpperCase()))));
    }

    @ParameterizedTest(name = "175B {0} sp={1}")
    @CsvSource({"none, false, 55.57", "none, true, 34.43", "selective, true, 10.27", "full, false, 4.83"})
    void gpt3FirstStageUnder1F1B(String recompute, boolean sp, double gb) {
        assertEquals(gb, round2(firstStageGB(GPT175B, 8, 8, 1, sp, Recompute.valueOf(recompute.toUpperCase()))));
    }

    @Test
    void perLayerRowsOfTableTwoExactly() {
        double s = 2048, b = 1, h = 12288, a = 96, t = 8, sbh = s * b * h;
        assertEquals(sbh * (34 + 5 * a * s / h), Activations.perLayer(GPT175B, plan(1, 1, false), 1, Recompute.NONE, 2), 1e-3);
        assertEquals(sbh * (10 + 24 / t + 5 * a * s / (h * t)), Activations.perLayer(GPT175B, plan(8, 1, false), 1, Recompute.NONE, 2), 1e-3);
        assertEquals(sbh * (34 / t + 5 * a * s / (h * t)), Activations.perLayer(GPT175B, plan(8, 1, true), 1, Recompute.NONE, 2), 1e-3);
        assertEquals(sbh * (10 + 24 / t), Activations.perLayer(GPT175B, plan(8, 1, false), 1, Recompute.SELECTIVE, 2), 1e-3);
        assertEquals(sbh * 34 / t, Activations.perLayer(GPT175B, plan(8, 1, true), 1, Recompute.SELECTIVE, 2), 1e-3);
        assertEquals(2 * sbh, Activations.perLayer(GPT175B, plan(8, 1, false), 1, Recompute.FULL, 2), 1e-3);
    }

    @Test
    void selectiveRecomputeSavesSeventyPercentOnGpt3() {
        // Korthikanti et al. §5: selective recompute saves 70% of GPT-3's activation memory (TP 8, SP).
        double full = Activations.perLayer(GPT175B, plan(8, 1, true), 1, Recompute.NONE, 2);
        double selective = Activations.perLayer(GPT175B, plan(8, 1, true), 1, Recompute.SELECTIVE, 2);
        assertEquals(0.70, 1 - selective / full, 0.01);
    }

    @Test
    void inFlightLayersPerSchedule() {
        ModelSpec m = GPT175B; // 96 layers
        ParallelPlan gpipe = new ParallelPlan("g", 1, 1, 8, 1, ZeroStage.DDP, PipelineSchedule.GPIPE, 1, false);
        ParallelPlan oneF = plan(1, 8, false);
        ParallelPlan inter = new ParallelPlan("i", 1, 1, 8, 1, ZeroStage.DDP, PipelineSchedule.INTERLEAVED, 2, false);
        assertEquals(32 * 12, Activations.layersInFlight(m, gpipe, 32, 0), 0);   // GPipe: m micro-batches of L/p
        assertEquals(96, Activations.layersInFlight(m, oneF, 32, 0), 0);         // 1F1B first stage: p·L/p = L
        assertEquals(12, Activations.layersInFlight(m, oneF, 32, 7), 0);         // last stage: one micro-batch
        assertEquals(96 * (1 + 7.0 / 16), Activations.layersInFlight(m, inter, 32, 0), 1e-9); // L·(1 + (p−1)/(p·v))
        assertEquals(2 * 12, Activations.layersInFlight(m, oneF, 2, 0), 0);      // fewer micro-batches than stages
    }

    /** The executed tiny GPT's shape: L = 2 (or as given), h = 16, a = 2, f = 64, V = 32, s = 8, no dropout. */
    static ModelSpec tiny(int layers) {
        return new ModelSpec("tiny", layers, 16, 2, 2, 64, 32, 8, MlpKind.GELU, true, false);
    }

    @Test
    void withoutDropoutALayerKeepsSixteenBytesPerTokenAndHiddenAtTwoBytesAndTheSoftmax() {
        // Korthikanti eq. 1 less the two residual masks (2·sbh at 1 B) and the attention mask and dropped
        // probabilities (a·s²·b at 1 B + 2 B): 32·s·b·h + 2·a·s²·b bytes at 16 bits.
        ModelSpec gpt3 = new ModelSpec("175b", 96, 12288, 96, 96, 4 * 12288, 51200, 2048, MlpKind.GELU, true, false);
        double s = 2048, h = 12288, a = 96, sbh = s * h;
        assertEquals(sbh * (32 + 2 * a * s / h), Activations.perLayer(gpt3, plan(1, 1, false), 1, Recompute.NONE, 2), 1e-3);
        // fp32 with dropout: 4-byte tensors, 1-byte masks: 4·16·sbh + 2·sbh and (4 + 1 + 4)·a·s²·b.
        assertEquals(sbh * (66 + 9 * a * s / h), Activations.perLayer(GPT175B, plan(1, 1, false), 1, Recompute.NONE, 4), 1e-3);
        // Tiny GPT, fp32, b = 2 (s·b = 16 tokens): 4·16·(4h + 2h + 2h + 2f) = 16384 and 4·a·s²·b = 1024.
        assertEquals(17408, Activations.perLayer(tiny(2), plan(1, 1, false), 2, Recompute.NONE, 4), 0);
        // Norm statistics: 2 LayerNorms × (mean, 1/σ) × 16 tokens × 4 B = 256; t-fold fewer tokens under SP (t = 2).
        assertEquals(256, Activations.normStatistics(tiny(2), plan(1, 1, false), 2, Recompute.NONE), 0);
        assertEquals(128, Activations.normStatistics(tiny(2), plan(2, 1, true), 2, Recompute.NONE), 0);
        assertEquals(0, Activations.normStatistics(tiny(2), plan(2, 1, true), 2, Recompute.FULL), 0);
    }

    @Test
    void edgeTermsOfTheFirstMiddleAndLastChunk() {
        ModelSpec m = tiny(4);
        // pp 4: every chunk keeps its output, 4·s·b·h = 4·16·16 = 1024 B (no dropout, so no embedding mask).
        assertEquals(1024, Activations.edges(m, plan(1, 4, false), 2, 4, 0), 0);
        assertEquals(1024, Activations.edges(m, plan(1, 4, false), 2, 4, 2), 0);
        // Last chunk: + final norm output 1024 + its statistics 2·16·4 = 128 + fp32 softmax 4·16·32 = 2048 → 4224.
        assertEquals(4224, Activations.edges(m, plan(1, 4, false), 2, 4, 3), 0);
        // tp 2: the softmax of a 16-word vocabulary shard, 4·16·16 = 1024 → 1024 + 1152 + 1024 = 3200.
        assertEquals(3200, Activations.edges(m, plan(2, 1, false), 2, 4, 0), 0);
        // tp 2 with SP: output and norm /t (512 + 512 + 64), the head's gathered input 1024, softmax 1024 → 3136.
        assertEquals(3136, Activations.edges(m, plan(2, 1, true), 2, 4, 0), 0);
        // GPT-3 175B, t = 8, p = 8, SP, b = 1, bf16, dropout (s·b·h = 25,165,824, s·b = 2048):
        // first chunk: output 2·sbh/8 = 6,291,456 + embedding dropout mask sbh/8 = 3,145,728 → 9,437,184;
        // last: output 6,291,456 + norm 6,291,456 + statistics 4·2·2048/8 = 2048 + gathered head input 2·sbh =
        // 50,331,648 + fp32 softmax 4·2048·51200/8 = 52,428,800 → 115,345,408.
        ParallelPlan gpt3 = plan(8, 8, true);
        assertEquals(9_437_184, Activations.edges(GPT175B, gpt3, 1, 2, 0), 0);
        assertEquals(115_345_408, Activations.edges(GPT175B, gpt3, 1, 2, 7), 0);
    }

    @Test
    void stagePeaksFollowTheScheduleWithUnequalChunks() {
        // pp 2, one layer per stage, fp32, b = 2: a chunk is 17408 + 256 (layer) + its edges.
        ModelSpec m = tiny(2);
        long first = 17408 + 256 + 1024, last = 17408 + 256 + 4224;   // 18688 and 21888
        ParallelPlan oneF = plan(1, 2, false);
        assertEquals(2 * first, Activations.stageBytes(m, oneF, 2, 2, Recompute.NONE, 4, 0), 0);   // p − 0 = 2 in flight
        assertEquals(last, Activations.stageBytes(m, oneF, 2, 2, Recompute.NONE, 4, 1), 0);        // one in flight
        ParallelPlan gpipe = new ParallelPlan("g", 1, 1, 2, 1, ZeroStage.DDP, PipelineSchedule.GPIPE, 1, false);
        assertEquals(4 * last, Activations.stageBytes(m, gpipe, 2, 4, Recompute.NONE, 4, 1), 0);   // all m = 4
        // Interleaved p 2, v 2, L 4, m 4: chunks of one layer, only virtual stage 3 (stage 1, chunk 1) holds the head.
        // Stage 0 runs 4 warm-up forwards and one more before its first backward: 5 chunks of 18688 = 93440.
        // Stage 1 runs F0.0 F1.0 F0.1, then B0.1 F1.1: at most two chunk-0 passes and one head chunk, 2·18688 + 21888.
        ModelSpec four = tiny(4);
        ParallelPlan inter = new ParallelPlan("i", 1, 1, 2, 1, ZeroStage.DDP, PipelineSchedule.INTERLEAVED, 2, false);
        assertEquals(5 * first, Activations.stageBytes(four, inter, 2, 4, Recompute.NONE, 4, 0), 0);
        assertEquals(2 * first + last, Activations.stageBytes(four, inter, 2, 4, Recompute.NONE, 4, 1), 0);
    }

    @Test
    void zeroBubbleKeepsTheLinearLayersInputsAndOutputGradientsFromBToW() {
        // Qi et al. 2024 §2: M_W = 32·s·b·h at 2 B with f = 4h, no parallelism (4h + 2h + 2h + 8h = 16h elements per
        // token); GPT-3 175B, b = 1: s·b·h = 25,165,824 → 805,306,368. Dropout and recompute do not change it.
        double sbh = 2048.0 * 12288;
        assertEquals(32 * sbh, Activations.weightGradInputsPerLayer(GPT175B, plan(1, 1, false), 1, 2), 0);
        // t = 8 with SP: qkv's and fc1's inputs and proj's and fc2's output gradients stay whole (4h, gathered),
        // qkv's output gradient 3h, proj's input h and the MLP's 2f = 8h split: 2·sbh·(4 + 12/8) = 11·sbh.
        assertEquals(11 * sbh, Activations.weightGradInputsPerLayer(GPT175B, plan(8, 1, true), 1, 2), 0);
        // Llama-2-70B shape (GQA kvWidth = 8·128 = 1024, SwiGLU f = 28672), s = 4096, b = 1, t = 8, bf16:
        // 2·4096·(4·8192 + (2·8192 + 2·1024 + 3·28672)/8) = 8192·(32768 + 13056) = 375,390,208.
        ModelSpec llama = new ModelSpec("70b", 80, 8192, 64, 8, 28672, 32000, 4096, MlpKind.SWIGLU, false, false);
        assertEquals(375_390_208, Activations.weightGradInputsPerLayer(llama, plan(8, 1, false), 1, 2), 0);
        // Tiny GPT, fp32, b = 2: 4·16·(4·16 + 2·16 + 2·16 + 2·64) = 16384 per layer; the last chunk adds the head's
        // logit gradient 4·16·32 = 2048 and input 4·16·16 = 1024 (tp 2: a 16-word shard, 1024 + 1024); others nothing.
        ModelSpec m = tiny(2);
        assertEquals(16384, Activations.weightGradInputsPerLayer(m, plan(1, 2, false), 2, 4), 0);
        assertEquals(0, Activations.weightGradEdges(m, plan(1, 2, false), 2, 4, 0), 0);
        assertEquals(3072, Activations.weightGradEdges(m, plan(1, 2, false), 2, 4, 1), 0);
        assertEquals(2048, Activations.weightGradEdges(m, plan(2, 2, true), 2, 4, 1), 0);
        assertEquals(16384 + 3072, Activations.chunkWeightGradBytes(m, plan(1, 2, false), 2, 4, 1), 0);
    }

    @Test
    void zeroBubbleStagesHoldTheirPendingWeightGradientsOnTopOfOneFOneB() {
        // pp 2, one layer per stage, fp32, b = 2: M_B 18688 (stage 0) and 21888 (stage 1) as under 1F1B; M_W 16384 and
        // 16384 + 3072 = 19456. m = 2: stage 0 holds 2 awaiting B and none awaiting W (min(p − 1, m − p + 0) = 0):
        // 2·18688 = 37376; stage 1 one awaiting B and one W: 0·21888 + 1·19456 + max(21888, 19456) = 41344.
        ModelSpec m = tiny(2);
        ParallelPlan zb = new ParallelPlan("z", 1, 1, 2, 1, ZeroStage.DDP, PipelineSchedule.ZB_H1, 1, false);
        assertEquals(37376, Activations.stageBytes(m, zb, 2, 2, Recompute.NONE, 4, 0), 0);
        assertEquals(41344, Activations.stageBytes(m, zb, 2, 2, Recompute.NONE, 4, 1), 0);
        // m = 4: stage 0 now has min(1, 2) = 1 W pending at its peak: 1·18688 + 1·16384 + 18688 = 53760.
        assertEquals(53760, Activations.stageBytes(m, zb, 2, 4, Recompute.NONE, 4, 0), 0);
        assertEquals(41344, Activations.stageBytes(m, zb, 2, 4, Recompute.NONE, 4, 1), 0);
    }

    static double round2(double x) {
        return Math.round(x * 100) / 100.0;
    }

    /**
     * Llama 3 8B at 8K tokens, micro-batch 1, bf16, no recompute: flash keeps no a·s² term, only the logsumexp
     * a·s·b fp32 — 2·s·(4h + 2h + 2·kv + 3f) + 4·a·s = 1,141,899,264 B per layer, where eager (no dropout) adds
     * 2·a·s² = 4,294,967,296 B of softmax output (and with dropout 5·a·s²·b in all: the issue's ~390 GB per GPU).
     */
    @Test
    void flashAttentionKeepsOnlyTheLogsumexp() {
        ModelSpec llama = dev.parasim.spec.load.SpecLoader.modelPreset("llama3-8b");
        assertEquals(dev.parasim.spec.AttentionKernel.FLASH, llama.attention());
        assertEquals(false, llama.dropout());
        ParallelPlan plan = new ParallelPlan("p", 8, 1, 1, 1, ZeroStage.OPTIMIZER, PipelineSchedule.ONE_F_ONE_B, 1, false);
        assertEquals(1_141_899_264.0, Activations.perLayer(llama, plan, 1, Recompute.NONE, 2));
        ModelSpec eager = llama.withAttention(dev.parasim.spec.AttentionKernel.EAGER);
        assertEquals(5_435_817_984.0, Activations.perLayer(eager, plan, 1, Recompute.NONE, 2));
        // Selective recompute reruns the kernel: no logsumexp kept either.
        assertEquals(1_141_899_264.0 - 4 * 32 * 8192, Activations.perLayer(llama, plan, 1, Recompute.SELECTIVE, 2));
        // Tensor parallelism splits the heads, and with them the statistics.
        ParallelPlan tp4 = new ParallelPlan("p", 2, 4, 1, 1, ZeroStage.OPTIMIZER, PipelineSchedule.ONE_F_ONE_B, 1, false);
        assertEquals(2.0 * 8192 * (4 * 4096 + (2 * 4096 + 2 * 1024 + 3 * 14336) / 4.0) + 4.0 * 32 * 8192 / 4,
                Activations.perLayer(llama, tp4, 1, Recompute.NONE, 2));
    }

    /**
     * The operator-level recompute (torchtitan's op policy) keeps the layer input and every other GEMM's output from the
     * first, and a flash kernel's output with its logsumexp; norms and activations are recomputed, so no statistics.
     */
    @Test
    void operatorLevelRecomputeKeepsTheInputAndEveryOtherGemmOutput() {
        double s = 2048, h = 12288, t = 8, sbh = s * h;
        // GPT-3, eager: input h (whole without SP), qkv 3h/t, fc1 4h/t at 2 B; SP splits the input too.
        assertEquals(sbh * 2 * (1 + 7 / t), Activations.perLayer(GPT175B, plan(8, 1, false), 1, Recompute.SELECTIVE_OPS, 2), 1e-3);
        assertEquals(sbh * 2 * (8 / t), Activations.perLayer(GPT175B, plan(8, 1, true), 1, Recompute.SELECTIVE_OPS, 2), 1e-3);
        assertEquals(0, Activations.normStatistics(GPT175B, plan(8, 1, true), 1, Recompute.SELECTIVE_OPS), 0);
        // Llama 3 8B, flash, b = 2 at 8,192 tokens: input h, q h, v kvWidth 1,024, gate f 14,336, down h, the kernel's
        // output h: 31,744 elements at 2 B, and 32 heads' logsumexp at 4 B — 63,616 B a token, 1.042 GB a layer.
        ModelSpec llama = dev.parasim.spec.load.SpecLoader.modelPreset("llama3-8b");
        double tokens = 2 * 8192;
        assertEquals(tokens * (2 * (4 * 4096 + 1024 + 14336) + 4 * 32),
                Activations.perLayer(llama, plan(1, 1, false), 2, Recompute.SELECTIVE_OPS, 2), 1e-3);
        // Its 32 layers at 8,192 tokens, b = 2: 33.35 GB, against 73.1 GB in those layers without recompute.
        assertEquals(33.35, round2(32 * Activations.perLayer(llama, plan(1, 1, false), 2, Recompute.SELECTIVE_OPS, 2) / 1e9));
    }

    @Test
    void anOutOfPlaceCrossEntropyHoldsTwoMoreFp32GradientsALogit() {
        ModelSpec llama = dev.parasim.spec.load.SpecLoader.modelPreset("llama3-8b");
        assertEquals(0, Activations.crossEntropyBackward(llama, plan(1, 1, false), 2, dev.parasim.spec.CrossEntropy.IN_PLACE), 0);
        // 8 B × 16,384 tokens × 128,256 words; over the vocabulary shard under TP.
        assertEquals(8.0 * 16384 * 128256, Activations.crossEntropyBackward(llama, plan(1, 1, false), 2,
                dev.parasim.spec.CrossEntropy.OUT_OF_PLACE), 0);
        assertEquals(8.0 * 16384 * 128256 / 8, Activations.crossEntropyBackward(llama, plan(8, 1, true), 2,
                dev.parasim.spec.CrossEntropy.OUT_OF_PLACE), 0);
    }

    /**
     * An MoE layer keeps each token's k experts' MLP tensors, the k dispatched copies of its input (k − 1 more than a
     * dense MLP's input), the k expert outputs the combine weights, and the router's E fp32 probabilities.
     */
    @Test
    void mixtureOfExpertsKeepsTheActiveExpertsAndTheDispatch() {
        ModelSpec mixtral = dev.parasim.spec.load.SpecLoader.modelPreset("mixtral-8x7b");
        double tokens = 4096, h = 4096, f = 14336, kv = 1024, k = 2;
        // Dense terms at 2 B (norm inputs, column-parallel inputs 4h, Q/K/V and proj input 2h + 2kv, SwiGLU 3f per
        // expert), flash's logsumexp (32 heads, fp32), then the dispatch: (2k − 1)·h at 2 B and 8 router probabilities.
        double expected = tokens * (2 * (4 * h + 2 * h + 2 * kv + k * 3 * f) + 4 * 32 + 2 * (2 * k - 1) * h + 4 * 8);
        assertEquals(expected, Activations.perLayer(mixtral, plan(1, 1, false), 1, Recompute.NONE, 2), 1e-3);
        // SP splits the dispatch as it splits the norms' inputs (t = 4; the experts' MLP terms over t too).
        double sp = tokens * (2 * ((4 * h + 2 * h + k * 3 * f) / 4 + 2 * kv / 4) + 4 * 32 / 4.0 + (2 * (2 * k - 1) * h + 4 * 8) / 4);
        assertEquals(sp, Activations.perLayer(mixtral, plan(4, 1, true), 1, Recompute.NONE, 2), 1e-3);
    }
}

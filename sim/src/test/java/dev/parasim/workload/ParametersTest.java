package dev.parasim.workload;

import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ParametersTest {

    @Test
    void gpt3MatchesMegatronEquationTwo() {
        // Narayanan et al. 2021: L=96, h=12288, V=51200, s=2048 -> 174.6B:
        // 12·96·12288² + 13·96·12288 + (51200 + 2048)·12288 = 173,946,175,488 + 15,335,424 + 654,311,424.
        assertEquals(174_615_822_336L, Parameters.gptEq2(96, 12288, 51200, 2048));
        ModelSpec gpt3 = SpecLoader.modelPreset("gpt3-175b");
        // Our count adds exactly the final LayerNorm (gain and bias) that eq. 2 leaves out.
        assertEquals(Parameters.gptEq2(96, 12288, 51200, 2048) + 2 * 12288, Parameters.total(gpt3));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // Narayanan et al. 2021 Table 1, billions to one decimal.
            "megatron-1.7b, 1.7", "megatron-3.6b, 3.6", "megatron-7.5b, 7.5", "megatron-18b, 18.4",
            "megatron-39b, 39.1", "megatron-76b, 76.1", "megatron-145b, 145.6", "megatron-310b, 310.1",
            "megatron-530b, 529.6", "megatron-1t, 1008.0"})
    void megatronTableOneSizes(String preset, double billions) {
        ModelSpec m = SpecLoader.modelPreset(preset);
        long eq2 = Parameters.gptEq2(m.layers(), m.hidden(), m.vocab(), m.seqLen());
        assertEquals(billions, Math.round(eq2 / 1e8) / 10.0, 1e-9);
        assertEquals(eq2 + 2L * m.hidden(), Parameters.total(m));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // Released checkpoints' parameter counts (GQA and SwiGLU, untied heads, RMSNorm, no biases).
            "llama2-7b, 6738415616", "llama2-70b, 68976648192", "llama3-8b, 8030261248",
            "llama3-70b, 70553706496", "llama3-405b, 405853388800", "gpt2-small, 124439808"})
    void releasedCheckpointCounts(String preset, long count) {
        assertEquals(count, Parameters.total(SpecLoader.modelPreset(preset)));
    }

    @Test
    void tensorParallelSplitKeepsEveryParameter() {
        ModelSpec m = SpecLoader.modelPreset("llama2-70b");
        for (int tp : new int[] {1, 2, 4, 8})
            assertEquals(Parameters.perLayer(m), tp * Parameters.perLayerSharded(m, tp) + Parameters.perLayerReplicated(m));
    }

    @Test
    void pipelineStagesPartitionTheModelWithATiedHeadCopy() {
        ModelSpec m = SpecLoader.modelPreset("gpt3-175b");
        long sum = 0;
        for (int stage = 0; stage < 8; stage++) sum += Parameters.sum(Parameters.stageUnits(m, 1, 8, stage));
        // The last stage keeps its own copy of the tied word embedding (Megatron).
        assertEquals(Parameters.total(m) + 51200L * 12288, sum);
    }

    /** Llama 2 70B (8 K/V heads) at tp 16: each rank keeps one whole K/V head, replicated over 2 ranks (Megatron). */
    @Test
    void tensorParallelBeyondKvHeadsReplicatesThem() {
        ModelSpec llama = SpecLoader.modelPreset("llama2-70b");
        long h = 8192, f = 28672, kv = 1024;
        assertEquals((h * h + h * h + 3 * h * f) / 8 + 2 * kv * h / 8, Parameters.perLayerSharded(llama, 8));
        assertEquals((h * h + h * h + 3 * h * f) / 16 + 2 * 128 * h, Parameters.perLayerSharded(llama, 16));
        assertEquals(128.0, llama.kvWidthPerRank(16));
        assertEquals(Parameters.perLayer(llama), Parameters.perLayerSharded(llama, 1) + Parameters.perLayerReplicated(llama));
    }

    /**
     * Sequence parallelism leaves partial exactly the parameters every TP rank keeps whole and applies to its own sequence
     * shard (Korthikanti et al. 2022 §4.2.2): the norms' and, in the GPT family, the learned positions. A Llama layer has
     * two RMSNorm gains of h and no wpe (rotary positions): the list had given every family GPT's wpe and LayerNorm
     * biases, 33.5M phantom wpe elements summed over TP every step on Llama 2 70B's first stage.
     */
    @Test
    void sequenceParallelPartialGradientsFollowTheFamily() {
        ModelSpec gpt3 = SpecLoader.modelPreset("gpt3-175b"), llama = SpecLoader.modelPreset("llama2-70b");
        long g = gpt3.hidden(), h = llama.hidden();
        // GPT: wpe (s·h) on the first stage, ln1 and ln2 gain and bias per layer, the final LayerNorm's two on the last.
        assertEquals(java.util.List.of(2048L * g, g, g, g, g, g, g, g, g, g, g),
                Parameters.sequenceParallelPartialGrads(gpt3, 2, true, true));
        // Llama: no positions to learn, one gain per RMSNorm.
        assertEquals(java.util.List.of(h, h, h, h, h), Parameters.sequenceParallelPartialGrads(llama, 2, true, true));
        assertEquals(java.util.List.of(), Parameters.sequenceParallelPartialGrads(llama, 0, true, false));
        // Per unit, as the step program tags them, the same tensors.
        assertEquals(0, Parameters.sequenceParallelPartialUnit(llama, true, false).length);
        assertEquals(2, Parameters.sequenceParallelPartialUnit(llama, false, false).length);
        assertEquals(1, Parameters.sequenceParallelPartialUnit(llama, false, true).length);
        assertEquals(java.util.List.of(2048L * g), java.util.Arrays.stream(Parameters.sequenceParallelPartialUnit(gpt3, true, false)).boxed().toList());
        assertEquals(4, Parameters.sequenceParallelPartialUnit(gpt3, false, false).length);
        assertEquals(2, Parameters.sequenceParallelPartialUnit(gpt3, false, true).length);
    }

    /** Mixtral 8x7B (Jiang et al. 2024): 46,702,792,704 parameters as released, 12.9B of them active per token. */
    @Test
    void mixtureOfExpertsCountsEveryExpertAndActivatesTopK() {
        ModelSpec m = SpecLoader.modelPreset("mixtral-8x7b");
        assertEquals(46_702_792_704L, Parameters.total(m));
        // Each layer: attention 41,943,040, norms 8,192, router 4,096 · 8, and 8 experts of 3 · 4,096 · 14,336.
        assertEquals(41_943_040L + 8_192 + 32_768 + 8 * 176_160_768L, Parameters.perLayer(m));
        assertEquals(46_702_792_704L - 32L * 6 * 176_160_768L, Parameters.active(m));
        assertEquals(12_879_925_248L, Parameters.active(m));
        // The router is kept whole on every TP rank, the experts split as a dense MLP is.
        for (int tp : new int[] {1, 2, 4, 8})
            assertEquals(Parameters.perLayer(m), tp * Parameters.perLayerSharded(m, tp) + Parameters.perLayerReplicated(m));
        // Tensors a layer unit holds: q·k·v fused, proj, two norms, the router, 8 experts × (gate, up, down).
        dev.parasim.spec.ParallelPlan plan = new dev.parasim.spec.ParallelPlan("p", 1, 1, 1, 1, dev.parasim.spec.ZeroStage.PARAMETERS,
                dev.parasim.spec.PipelineSchedule.ONE_F_ONE_B, 1, false);
        assertEquals(4 + 1 + 24, Parameters.stageUnitTensors(m, plan, 0)[1]);
        // Under SP the routers' gradients are partial on each TP rank, as the norms' are.
        assertEquals(java.util.List.of(new Parameters.Tensors(4096, 2 * 32 + 1), new Parameters.Tensors(4096L * 8, 32)),
                Parameters.sequenceParallelPartialGradSizes(m, 32, true, true));
        assertEquals(Parameters.total(SpecLoader.modelPreset("llama3-8b")), Parameters.active(SpecLoader.modelPreset("llama3-8b")));
    }

    /** A GPT-family MoE layer: each expert has its own fc1 and fc2 weights and biases; the active count drops E − k of them. */
    @Test
    void gptExpertsCarryTheirOwnBiases() {
        ModelSpec dense = new ModelSpec("g", 2, 64, 4, 4, 256, 96, 32, dev.parasim.spec.MlpKind.GELU, true, false);
        ModelSpec moe = new ModelSpec("g", 2, 64, 4, 4, 256, 96, 32, dev.parasim.spec.MlpKind.GELU, true, false,
                dev.parasim.spec.AttentionKernel.EAGER, new dev.parasim.spec.Moe(4, 2));
        long expert = 2 * 64 * 256 + 256 + 64;   // fc1 and fc2 weights, fc1's and fc2's biases
        assertEquals(Parameters.perLayer(dense) + 3 * expert + 64 * 4, Parameters.perLayer(moe));
        assertEquals(Parameters.total(dense) + 2 * (expert + 64 * 4), Parameters.active(moe));
    }
}

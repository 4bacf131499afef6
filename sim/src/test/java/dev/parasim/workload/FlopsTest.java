package dev.parasim.workload;

import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FlopsTest {

    @ParameterizedTest
    @ValueSource(strings = {"gpt3-175b", "megatron-1t", "mcore-gpt-1.7b", "gpt2-small"})
    void modelFlopsEqualMegatronClosedForm(String preset) {
        ModelSpec m = SpecLoader.modelPreset(preset);
        double expected = Flops.megatronModel(1536, m.seqLen(), m.layers(), m.hidden(), m.vocab());
        assertEquals(expected, Flops.model(m, 1536), expected * 1e-12);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt3-175b", "megatron-530b", "mcore-gpt-70b"})
    void fullRecomputeEqualsEquationThree(String preset) {
        ModelSpec m = SpecLoader.modelPreset(preset);
        double expected = Flops.megatronFullRecompute(512, m.seqLen(), m.layers(), m.hidden(), m.vocab());
        assertEquals(expected, Flops.hardware(m, 512, Recompute.FULL), expected * 1e-12);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt3-175b", "megatron-18b"})
    void selectiveRecomputeEqualsKorthikanti(String preset) {
        ModelSpec m = SpecLoader.modelPreset(preset);
        double b = 64, s = m.seqLen(), l = m.layers(), h = m.hidden(), v = m.vocab();
        double expected = 72 * b * s * l * h * h * (1 + s / (3 * h) + v / (12 * l * h));
        assertEquals(expected, Flops.hardware(m, 64, Recompute.SELECTIVE), expected * 1e-12);
        assertEquals(Flops.model(m, 64), Flops.hardware(m, 64, Recompute.NONE));
    }

    /** The operator-level recompute repeats the GEMMs whose outputs it does not keep, and an eager attention core. */
    @org.junit.jupiter.api.Test
    void operatorLevelRecomputeRepeatsEveryOtherGemm() {
        // GPT-3 (eager): proj and fc2, 2·(h² + 4h²) a token, and the core's 4·s·h.
        ModelSpec gpt = SpecLoader.modelPreset("gpt3-175b");
        double h = gpt.hidden(), s = gpt.seqLen(), tokens = 64 * s;
        assertEquals(2 * 5 * h * h + 4 * s * h, Flops.opRecomputedPerToken(gpt), 1e-3);
        assertEquals(Flops.model(gpt, 64) + tokens * gpt.layers() * (10 * h * h + 4 * s * h),
                Flops.hardware(gpt, 64, Recompute.SELECTIVE_OPS), 1);
        // Llama 3 8B (flash, kept): k, o and up, 2·(4096·1024 + 4096² + 4096·14336) = 159,383,552 a token.
        assertEquals(159_383_552.0, Flops.opRecomputedPerToken(SpecLoader.modelPreset("llama3-8b")), 0);
    }

    /** An MoE layer's token runs through the router and its k experts: Mixtral's 2 of 8. */
    @org.junit.jupiter.api.Test
    void mixtureOfExpertsCountsTheActiveExperts() {
        ModelSpec m = SpecLoader.modelPreset("mixtral-8x7b");
        // qkv 4096 · (4096 + 2 · 1024), proj 4096², 2 experts × 3 · 4096 · 14336, router 4096 · 8.
        assertEquals(25_165_824.0 + 16_777_216 + 352_321_536 + 32_768, Flops.gemmWeights(m), 0);
        double perToken = 32 * (2 * 394_297_344.0 + 4.0 * 4096 * 4096) + 2.0 * 4096 * 32000;
        assertEquals(perToken, Flops.forwardPerToken(m), 0);
        assertEquals(3 * 64 * 4096 * perToken, Flops.model(m, 64), 1);
    }
}

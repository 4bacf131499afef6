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

/** Korthikanti et al. 2022 (arXiv:2205.05198) Table 2 and the check values derived from it. */
class ActivationsTest {
    static final ModelSpec GPT22B = new ModelSpec("22b", 48, 6144, 64, 64, 4 * 6144, 51200, 2048, MlpKind.GELU, true);
    static final ModelSpec GPT175B = new ModelSpec("175b", 96, 12288, 96, 96, 4 * 12288, 51200, 2048, MlpKind.GELU, true);

    static ParallelPlan plan(int tp, int pp, boolean sp) {
        return new ParallelPlan("p", 1, tp, pp, 1, ZeroStage.DDP, PipelineSchedule.ONE_F_ONE_B, 1, sp);
    }

    static double firstStageGB(ModelSpec m, int tp, int pp, int b, boolean sp, Recompute r) {
        return Activations.stageBytes(m, plan(tp, pp, sp), b, 64, r, 2, 0) / 1e9;
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
        assertEquals(sbh * (34 + 5 * a * s / h), Activations.perLayer(GPT175B, plan(1, 1, false), 1, Recompute.NONE), 1e-3);
        assertEquals(sbh * (10 + 24 / t + 5 * a * s / (h * t)), Activations.perLayer(GPT175B, plan(8, 1, false), 1, Recompute.NONE), 1e-3);
        assertEquals(sbh * (34 / t + 5 * a * s / (h * t)), Activations.perLayer(GPT175B, plan(8, 1, true), 1, Recompute.NONE), 1e-3);
        assertEquals(sbh * (10 + 24 / t), Activations.perLayer(GPT175B, plan(8, 1, false), 1, Recompute.SELECTIVE), 1e-3);
        assertEquals(sbh * 34 / t, Activations.perLayer(GPT175B, plan(8, 1, true), 1, Recompute.SELECTIVE), 1e-3);
        assertEquals(2 * sbh, Activations.perLayer(GPT175B, plan(8, 1, false), 1, Recompute.FULL), 1e-3);
    }

    @Test
    void selectiveRecomputeSavesSeventyPercentOnGpt3() {
        // Korthikanti et al. §5: selective recompute saves 70% of GPT-3's activation memory (TP 8, SP).
        double full = Activations.perLayer(GPT175B, plan(8, 1, true), 1, Recompute.NONE);
        double selective = Activations.perLayer(GPT175B, plan(8, 1, true), 1, Recompute.SELECTIVE);
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

    static double round2(double x) {
        return Math.round(x * 100) / 100.0;
    }
}

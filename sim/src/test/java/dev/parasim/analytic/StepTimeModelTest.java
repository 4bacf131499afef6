package dev.parasim.analytic;

import dev.parasim.Fixtures;
import dev.parasim.spec.Experiment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With free communication and equal stages the bubble equals the closed forms exactly. */
class StepTimeModelTest {
    // Links so fast and with no latency that communication costs nothing measurable; tied embeddings,
    // so every stage but the ends holds only layers.
    static final String FREE_LINKS = """
            name: bubble
            model: {preset: gpt3-175b}
            cluster:
              gpu: {name: ideal, memoryGB: 1000, peakTflops: {fp32: 100, bf16: 1000}, hbmGBps: 1e9}
              gpusPerNode: 8
              nodes: 1
              tiers: [{name: free, scope: node, bandwidthGBps: 1e12, latencyUs: 0, efficiency: 1}]
            training: {globalBatch: %d, microBatch: 1, precision: bf16-mixed}
            plans: [{name: p, dp: 1, pp: %d, tp: %d, schedule: %s, chunks: %d}]
            """;

    static StepTime time(int m, int p, String schedule, int v) {
        Experiment e = Fixtures.experiment(FREE_LINKS.formatted(m, p, 8 / p, schedule, v));
        return Accountant.predict(e, e.plans().get(0)).time();
    }

    @ParameterizedTest(name = "{0} p={1} m={2}")
    @CsvSource({"1f1b, 2, 8", "1f1b, 4, 16", "gpipe, 4, 8", "gpipe, 8, 64", "1f1b, 8, 8"})
    void bubbleIsPMinusOneOverMOfIdealTime(String schedule, int p, int m) {
        StepTime t = time(m, p, schedule, 1);
        assertTrue(t.exposedCommSeconds() < 1e-9 * t.stepSeconds());
        double ideal = t.computeSeconds();
        // The once-per-step optimizer update (near-free HBM here) is the only other compute: 1e-6 relative.
        assertEquals((p - 1.0) / m, t.bubbleSeconds() / ideal, 1e-6 * (p - 1.0) / m);
    }

    @ParameterizedTest(name = "interleaved p={0} m={1} v={2}")
    @CsvSource({"2, 8, 2", "4, 16, 4", "8, 16, 2"})
    void interleavedBubbleIsDividedByV(int p, int m, int v) {
        StepTime t = time(m, p, "interleaved", v);
        assertEquals((p - 1.0) / (v * m), t.bubbleSeconds() / t.computeSeconds(), 1e-6 * (p - 1.0) / (v * m));
    }

    /** ZeRO-3's exposure per pass: golden values of the per-unit pipeline and of on-demand gathers. */
    @org.junit.jupiter.api.Test
    void zero3ExposesTheFirstGatherAndWhatComputeCannotHide() {
        // 10 units, 1 chunk: the first unit's share (1 s of 10) is exposed; the other 9 s hide behind 9/10 of 20 s and
        // slow it by 0.6 of their time (OVERLAP_INTERFERENCE): 1 + 5.4.
        assertEquals(0.6, StepTimeModel.OVERLAP_INTERFERENCE);
        assertEquals(6.4, StepTimeModel.zero3Exposed(10, 20, 10, 1, 1.0, false), 1e-12);
        // Little compute per unit: 9 s of gathers behind 9/10 of 5 s leaves 4.5 s, plus the first 1 s; the 4.5 s hidden
        // cost 2.7 s more.
        assertEquals(8.2, StepTimeModel.zero3Exposed(10, 5, 10, 1, 1.0, false), 1e-12);
        // Two chunks of 5 units: each chunk's first gather, 2 s, then 8 s behind 8/10 of 5 s: 6 s; 4 s hidden: + 2.4 s.
        assertEquals(8.4, StepTimeModel.zero3Exposed(10, 5, 10, 2, 1.0, false), 1e-12);
        // On demand (DeepSpeed's per-tensor fetch): all of it, nothing hidden.
        assertEquals(10.0, StepTimeModel.zero3Exposed(10, 20, 10, 1, 1.0, true), 1e-12);
        assertEquals(0.0, StepTimeModel.zero3Exposed(0, 20, 10, 1, 1.0, true), 1e-12);
    }

    @org.junit.jupiter.api.Test
    void hiddenDataParallelCommunicationSlowsTheComputeItOverlaps() {
        // 2 s of ZeRO-2 reduce-scatters behind 10 s of backward: none exposed, 0.6 · 2 s of interference.
        assertEquals(1.2, StepTimeModel.overlapped(2, 10, 1.0), 1e-12);
        // 12 s behind 10 s: 2 s exposed, the 10 s hidden cost 6 s.
        assertEquals(8.0, StepTimeModel.overlapped(12, 10, 1.0), 1e-12);
        assertEquals(0.0, StepTimeModel.overlapped(0, 10, 1.0), 1e-12);
    }
}

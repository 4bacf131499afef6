package dev.parasim.memory;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.load.SpecLoader;
import dev.parasim.workload.Parameters;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Full recompute's replayed layer with golden numbers worked by hand (GPT-3 175B, Korthikanti et al. 2022 Table 2), and
 * ZeRO-3's per-tensor buffers. The executed runs check the same terms to the byte on the tiny GPT
 * ({@code exec.spark.ExecutedRecomputeTest}, {@code ExecutedDropoutTest}).
 */
class LayerReplayTest {
    /** GPT-3 175B, tp 8 · pp 8 (12 layers a stage), 1F1B, 8 micro-batches of one 2,048-token sequence, bf16, dropout. */
    private static final String GPT3_YAML = """
            name: gpt3-replay
            model: {preset: gpt3-175b}
            cluster: {preset: dgx-a100-80g, nodes: 64}
            training: {globalBatch: 64, microBatch: 1, precision: bf16-mixed, recompute: full}
            plans:
              - {name: tp8-pp8, dp: 8, tp: 8, pp: 8, schedule: 1f1b}
            """;
    private static final Experiment GPT3 = SpecLoader.parse(GPT3_YAML, List.of());

    @Test
    void aReplayedLayerHoldsKorthikantisRowLessItsInput() {
        ModelSpec m = GPT3.model();
        ParallelPlan plan = GPT3.plans().get(0);
        long s = 2048, h = 12288, sbh = s * h;
        // TP without SP: s·b·h·(10 + 24/t + 5as/(h·t)) = sbh·(10 + 3 + 10), two LayerNorms' mean and 1/σ in fp32, less 2·s·b·h.
        long expected = sbh * 23 + 4 * 2 * 2 * s - 2 * sbh;
        assertEquals(528_515_072L, expected);
        assertEquals(expected, LayerReplay.replayBytes(m, plan, 1, 2), 1e-3);
    }

    @Test
    void theFirstStagePeaksWhileItsFirstBackwardReplaysTheLastLayer() {
        ParallelPlan plan = GPT3.plans().get(0);
        long sbh = 2048L * 12288;
        // 1F1B stage 0 holds p = 8 micro-batches: 12 layer inputs, its output and the embedding's dropout mask (1 B) each.
        long between = 8 * (12 * 2 * sbh + 2 * sbh + sbh);
        assertEquals(between, MemoryModel.activationBytesBetweenPasses(GPT3, plan, 0));
        assertEquals(between + 528_515_072L, MemoryModel.activationBytes(GPT3, plan, 0));
        assertEquals(5_964_333_056L, MemoryModel.activationBytes(GPT3, plan, 0));   // 5,435,817,984 + the replay
        // The last stage frees the head's edges first: the final norm's output and statistics and the fp32 softmax 4·s·V/t.
        long head = 2 * sbh + 4 * 2 * 2048 + 4 * 2048L * 51200 / 8;
        assertEquals(head, Activations.headEdges(GPT3.model(), plan, 1, 2), 1e-3);
        long lastBetween = 12 * 2 * sbh + 2 * sbh + head;   // one micro-batch in flight
        assertEquals(lastBetween, MemoryModel.activationBytesBetweenPasses(GPT3, plan, 7));
        assertEquals(Math.max(lastBetween, lastBetween - head + 528_515_072L), MemoryModel.activationBytes(GPT3, plan, 7));
    }

    @Test
    void noReplayWithoutFullRecompute() {
        Experiment selective = SpecLoader.parse(GPT3_YAML, List.of("training.recompute=selective"));
        ParallelPlan plan = selective.plans().get(0);
        for (int stage = 0; stage < 8; stage++)
            assertEquals(MemoryModel.activationBytesBetweenPasses(selective, plan, stage), MemoryModel.activationBytes(selective, plan, stage));
        assertEquals(Recompute.SELECTIVE, selective.training().recompute());
    }

    @Test
    void perTensorGathersHoldEachUnitsLargestTensor() {
        Experiment e = SpecLoader.parse("""
                name: tensors
                model: {preset: gpt3-175b}
                cluster: {preset: dgx-a100-80g, nodes: 48}
                training: {globalBatch: 384, microBatch: 1, precision: bf16-mixed, recompute: full, zeroGathers: tensors}
                plans:
                  - {name: zero3, dp: 384, zero: 3}
                """, List.of());
        ParallelPlan plan = e.plans().get(0);
        long h = 12288, words = 51200 * h;
        long[] largest = Parameters.stageUnitLargestTensors(e.model(), plan, 0);
        assertEquals(96 + 2, largest.length);
        // The embedding's wte, each layer's MLP weight h·4h (above the fused qkv's 3h²), the tied head's final-norm gain.
        assertEquals(words, largest[0]);
        assertArrayEquals(java.util.Collections.nCopies(96, 4 * h * h).stream().mapToLong(Long::longValue).toArray(),
                java.util.Arrays.copyOfRange(largest, 1, 97));
        assertEquals(h, largest[97]);
    }
}

package dev.parasim.workload;

import dev.parasim.Fixtures;
import dev.parasim.spec.Experiment;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The default split rule as StageSplit's javadoc and the README state it, and explicit splits. */
class StageSplitTest {

    static int[] repeat(int first, int middle, int times, int last) {
        int[] out = new int[times + 2];
        java.util.Arrays.fill(out, middle);
        out[0] = first;
        out[times + 1] = last;
        return out;
    }

    @Test
    void publishedLayoutsGiveTheFirstAndLastStageOneLayerFewer() {
        // BLOOM-176B: 70 layers on 12 stages (BigScience's layout: 5 + embedding, 6 × 10, 5 + head).
        assertArrayEquals(repeat(5, 6, 10, 5), StageSplit.balanced(70, 12));
        // Llama 3 405B: 126 layers on 16 stages, and on 8 stages × 8 virtual (one layer fewer on the first and last).
        assertArrayEquals(repeat(7, 8, 14, 7), StageSplit.balanced(126, 16));
        assertArrayEquals(repeat(1, 2, 62, 1), StageSplit.balanced(126, 64));
    }

    @Test
    void describedWithRunsFolded() {
        Experiment e = Fixtures.experiment("""
                name: llama
                model: {preset: llama3-405b}
                cluster: {preset: dgx-h100, nodes: 2048}
                training: {globalBatch: 2048, microBatch: 1, precision: bf16-mixed}
                plans: [{name: pp16, tp: 8, pp: 16}, {name: by-hand, tp: 8, pp: 16, stageLayers: [8, 8, 8, 8, 8, 8, 8, 7, 7, 8, 8, 8, 8, 8, 8, 8]}]
                """);
        assertEquals("7, 8 × 14, 7", StageSplit.of(e.model(), e.plans().get(0)).describe());
        assertEquals("8 × 7, 7 × 2, 8 × 7", StageSplit.of(e.model(), e.plans().get(1)).describe());
    }

    @Test
    void smallerSharesGoLastFirstSecondToLastSecond() {
        assertArrayEquals(new int[] {3, 2}, StageSplit.balanced(5, 2));           // one smaller share: the last stage's
        assertArrayEquals(new int[] {3, 3, 3, 2}, StageSplit.balanced(11, 4));
        assertArrayEquals(new int[] {2, 3, 3, 2}, StageSplit.balanced(10, 4));
        assertArrayEquals(new int[] {2, 3, 2, 2}, StageSplit.balanced(9, 4));     // last, first, then second-to-last
        assertArrayEquals(new int[] {2, 2, 3, 3, 2, 2}, StageSplit.balanced(14, 6));
        assertArrayEquals(new int[] {12, 12, 12, 12, 12, 12, 12, 12}, StageSplit.balanced(96, 8));  // even: L/P each
    }

    @Test
    void everySplitIsAsEvenAsPossibleAndSumsToTheLayers() {
        for (int layers = 1; layers <= 64; layers++)
            for (int stages = 1; stages <= layers; stages++) {
                int[] split = StageSplit.balanced(layers, stages);
                List<Integer> list = new ArrayList<>();
                for (int l : split) list.add(l);
                int min = Collections.min(list), max = Collections.max(list);
                assertEquals(layers, list.stream().mapToInt(Integer::intValue).sum());
                assertTrue(max - min <= 1, layers + " on " + stages);
                long smaller = list.stream().filter(l -> l == min).count();
                if (min != max && smaller >= 2) assertTrue(split[0] == min && split[stages - 1] == min, layers + " on " + stages);
                if (min != max) assertEquals(min, split[stages - 1], "the head's stage takes the first smaller share");
            }
    }

    @Test
    void boundaries() {
        assertArrayEquals(new int[] {1, 1, 1}, StageSplit.balanced(3, 3));
        assertThrows(IllegalArgumentException.class, () -> StageSplit.balanced(3, 4));
        assertThrows(IllegalArgumentException.class, () -> StageSplit.balanced(3, 0));
    }

    @Test
    void aStageHoldsItsChunksLayersAndAnExplicitSplitWins() {
        Experiment e = Fixtures.experiment("""
                name: split
                model: {preset: tiny-gpt, layers: 10}
                cluster: {preset: cpu-8}
                training: {globalBatch: 8, microBatch: 1, precision: fp32}
                plans:
                  - {name: default, dp: 4, pp: 2, schedule: interleaved, chunks: 2}
                  - {name: by-hand, dp: 4, pp: 2, schedule: interleaved, chunks: 2, stageLayers: [1, 4, 4, 1]}
                  - {name: even, dp: 4, pp: 2}
                """);
        StageSplit byDefault = StageSplit.of(e.model(), e.plans().get(0));
        assertEquals(List.of(2, 3, 3, 2), byDefault.toList());
        assertEquals(2 + 3, byDefault.stageLayers(0));       // virtual 0 and 2 (chunk c of stage s is c·p + s)
        assertEquals(3 + 2, byDefault.stageLayers(1));
        assertEquals(3, byDefault.chunkLayers(0, 1));
        assertEquals(5, byDefault.firstLayer(2));
        StageSplit byHand = StageSplit.of(e.model(), e.plans().get(1));
        assertEquals(List.of(1, 4, 4, 1), byHand.toList());
        assertEquals(5, byHand.stageLayers(0));
        assertFalse(byHand.even());
        assertTrue(StageSplit.of(e.model(), e.plans().get(2)).even());
        assertEquals(5, StageSplit.of(e.model(), e.plans().get(2)).stageLayers(1));
    }
}

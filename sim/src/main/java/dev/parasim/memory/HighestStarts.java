package dev.parasim.memory;

import dev.parasim.program.schedule.PipelineOrder;

/**
 * Of a stage's pass starts ({@link PipelineOrder#passStarts}), the one holding the most activations per chunk and pass
 * kind. A pass's walk adds and subtracts fixed amounts to what the stage holds when the pass starts, and a rounded sum
 * grows with each addend, so every moment of the walk, and its peak, grows with that start: the start holding the most
 * decides the peak of all of its chunk and kind, bit for bit. An interleaved stage has hundreds of undominated starts
 * (p = 64, v = 6: up to 768); this leaves at most 3·v to walk.
 */
final class HighestStarts {
    private HighestStarts() {}

    /**
     * {@return per {@code chunk · 3 + kind}, the most bytes a start of that chunk and kind holds (M_B per micro-batch chunk
     * awaiting its B, M_W per one awaiting its W), or NaN where the stage has no such pass}
     */
    static double[] of(int[][] starts, double[] mB, double[] mW) {
        int v = mB.length;
        double[] highest = new double[3 * v];
        java.util.Arrays.fill(highest, Double.NaN);
        for (int[] start : starts) {
            double held = 0;
            for (int c = 0; c < v; c++) held += start[c] * mB[c] + start[v + c] * mW[c];
            int at = start[2 * v] * 3 + start[2 * v + 1];
            if (!(held <= highest[at])) highest[at] = held;   // NaN: the first of its chunk and kind
        }
        return highest;
    }
}

package dev.parasim.memory;

import dev.parasim.program.schedule.PipelineOrder;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Of a stage's pass starts ({@link PipelineOrder#passStarts}), the one holding the most activations per chunk and pass
 * kind. A pass's walk adds and subtracts fixed amounts to what the stage holds when the pass starts, and a rounded sum
 * grows with each addend, so every moment of the walk, and its peak, grows with that start: the start holding the most
 * decides the peak of all of its chunk and kind, bit for bit. An interleaved stage has hundreds of undominated starts
 * (p = 64, v = 6: up to 768); this leaves at most 3·v to walk. The starts are kept per stage as columns, one per chunk,
 * so that a plan's per-chunk bytes weigh them all in loops a processor runs several at a time.
 */
final class HighestStarts {
    private HighestStarts() {}

    /** A stage's starts as columns: {@code awaitingB[c][j]}, {@code awaitingW[c][j]} and the {@code chunk · 3 + kind} of start j. */
    private record Columns(int[][] awaitingB, int[][] awaitingW, int[] group) {
        static Columns of(int[][] starts, int v) {
            int[][] b = new int[v][starts.length], w = new int[v][starts.length];
            int[] group = new int[starts.length];
            for (int j = 0; j < starts.length; j++) {
                for (int c = 0; c < v; c++) {
                    b[c][j] = starts[j][c];
                    w[c][j] = starts[j][v + c];
                }
                group[j] = starts[j][2 * v] * 3 + starts[j][2 * v + 1];
            }
            return new Columns(b, w, group);
        }
    }

    /** Columns by the stage's starts (by identity: {@link PipelineOrder#passStarts} keeps them per shape); bounded. */
    private static final Map<int[][], Columns> COLUMNS = new ConcurrentHashMap<>();
    private static final int MAX_COLUMNS = 16_384;

    /** Each thread's per-start sums, grown to the most starts seen (a sweep asks for every stage of every plan). */
    private static final ThreadLocal<double[]> HELD = ThreadLocal.withInitial(() -> new double[0]);

    /**
     * {@return per {@code chunk · 3 + kind}, the most bytes a start of that chunk and kind holds (M_B per micro-batch chunk
     * awaiting its B, M_W per one awaiting its W, added chunk by chunk), or NaN where the stage has no such pass}
     */
    static double[] of(int[][] starts, double[] mB, double[] mW) {
        int v = mB.length;
        Columns columns = COLUMNS.get(starts);
        if (columns == null) {
            if (COLUMNS.size() >= MAX_COLUMNS) COLUMNS.clear();
            columns = Columns.of(starts, v);
            COLUMNS.put(starts, columns);
        }
        boolean weightGrads = false;
        for (double w : mW) weightGrads |= w != 0;
        int n = starts.length;
        double[] held = HELD.get();
        if (held.length < n) HELD.set(held = new double[n]);
        java.util.Arrays.fill(held, 0, n, 0);
        for (int c = 0; c < v; c++) {
            int[] b = columns.awaitingB[c], w = columns.awaitingW[c];
            double bytesB = mB[c], bytesW = mW[c];
            // held += B·M_B + W·M_W, as one start's sum would add its chunks (x + 0 is x when no chunk awaits a W).
            if (weightGrads) for (int j = 0; j < n; j++) held[j] += b[j] * bytesB + w[j] * bytesW;
            else for (int j = 0; j < n; j++) held[j] += b[j] * bytesB;
        }
        double[] highest = new double[3 * v];
        java.util.Arrays.fill(highest, Double.NaN);
        for (int j = 0; j < n; j++) {
            int at = columns.group[j];
            if (!(held[j] <= highest[at])) highest[at] = held[j];   // NaN: the first of its chunk and kind
        }
        return highest;
    }
}

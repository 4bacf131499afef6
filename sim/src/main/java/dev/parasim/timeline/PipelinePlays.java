package dev.parasim.timeline;

import dev.parasim.program.schedule.CompiledOrder;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Pipeline plays kept for reuse within one sweep task. A play is a pure function of the compiled
 * order and the per-(stage, chunk) pass and send costs, and many plans of a sweep share both: ZeRO-0 and -1 of
 * one layout differ only in the gradient sync and the optimizer, which come after the pipeline phase
 * (ZeRO-2 and -3 communicate inside every micro-batch's passes). Plays keep only the times a step's end needs, not the
 * per-stage compute and exposed sums ({@link Timelines#stepSeconds}). Not thread-safe: one per task. {@link #clear} bounds
 * it (sweeps clear it per seed).
 */
public final class PipelinePlays {
    private final Map<Key, FastReplay.Result> results = new HashMap<>();
    private long played, reused;
    /** The plays' working arrays, grown to the largest order seen. */
    private final FastReplay.Scratch scratch = new FastReplay.Scratch();
    /** The cost table a plan's play is looked up with; copied only into a kept play's key. */
    private double[] table = new double[0];

    /** The order (by identity: compiled orders are cached per shape) and the first {@code n} entries of a flat cost table. */
    private record Key(CompiledOrder order, double[] costs, int n) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.order == order && Arrays.equals(k.costs, 0, k.n, costs, 0, n);
        }

        @Override
        public int hashCode() {
            int h = 1;
            for (int i = 0; i < n; i++) {
                long bits = Double.doubleToLongBits(costs[i]);
                h = 31 * h + (int) (bits ^ (bits >>> 32));
            }
            return 31 * System.identityHashCode(order) + h;
        }
    }

    /**
     * {@return a cost table of at least {@code n} entries to fill and pass to {@link #play}}: the same array every call,
     * its contents those of the last call
     */
    double[] table(int n) {
        if (table.length < n) table = new double[n];
        return table;
    }

    /**
     * {@return the play of {@code order} over the first {@code n} entries of the flat cost table {@code costs}
     * ({@link FastReplay#compute}), kept}; {@code costs} may be {@link #table}'s, which a kept play does not hold
     */
    FastReplay.Result play(CompiledOrder order, double[] costs, int n) {
        FastReplay.Result r = results.get(new Key(order, costs, n));
        if (r != null) {
            reused++;
            return r;
        }
        played++;
        r = FastReplay.play(order, costs, scratch, false);
        results.put(new Key(order, Arrays.copyOf(costs, n), n), r);
        return r;
    }

    /** Forgets the kept plays (the counts stay). */
    public void clear() {
        results.clear();
    }

    /** {@return pipeline phases actually played} */
    public long played() {
        return played;
    }

    /** {@return pipeline phases taken from an earlier, identical play} */
    public long reused() {
        return reused;
    }
}

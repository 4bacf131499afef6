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
    /** The plays' per-pass scratch, grown to the largest order seen. */
    private double[] scratch = new double[0];

    /** The order (by identity: compiled orders are cached per shape) and the flat cost table. */
    private record Key(CompiledOrder order, double[] costs) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.order == order && Arrays.equals(k.costs, costs);
        }

        @Override
        public int hashCode() {
            return 31 * System.identityHashCode(order) + Arrays.hashCode(costs);
        }
    }

    /** {@return the play of {@code order} over the flat cost table {@code costs} ({@link FastReplay#compute}), kept} */
    FastReplay.Result play(CompiledOrder order, double[] costs) {
        Key key = new Key(order, costs);
        FastReplay.Result r = results.get(key);
        if (r != null) {
            reused++;
            return r;
        }
        played++;
        if (scratch.length <= order.size()) scratch = new double[order.size() + 1];
        r = FastReplay.play(order, costs, scratch, false);
        results.put(key, r);
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

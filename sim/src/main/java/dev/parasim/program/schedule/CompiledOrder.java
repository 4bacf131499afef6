package dev.parasim.program.schedule;

import java.util.Arrays;
import java.util.List;

/**
 * A schedule's pass orders flattened, for fast replay, into one sequence of all stages' passes in an
 * order that respects every dependency (each stage's own order, and each pass after the pass it waits
 * for). Replaying it is one linear loop with no "is my input there yet" checks: the dependency structure
 * does not depend on the costs, so it is sorted once per (schedule, p, m, v).
 *
 * @param stages     p
 * @param chunks     v, model chunks per stage
 * @param op         per position: {@code (stage · v + chunk) << 3 | pass ordinal << 1 | 1 if another stage consumes
 *                   the output} (a stage's chunks may cost differently when its layers do not split evenly)
 * @param dependency per position: the position of the other stage's pass whose output it waits for, or −1
 *                   (none, or a pass of its own stage, which has always ended before: a stage runs in order)
 */
public record CompiledOrder(int stages, int chunks, int[] op, int[] dependency) {

    /** {@return passes in all stages} */
    public int size() {
        return op.length;
    }

    /** {@return the stage of the pass at {@code position}} */
    public int stage(int position) {
        return (op[position] >>> 3) / chunks;
    }

    /** {@return the chunk of the pass at {@code position}} */
    public int chunk(int position) {
        return (op[position] >>> 3) % chunks;
    }

    public static CompiledOrder of(List<List<PassRef>> orders, int v) {
        if (Pass.values().length > 4) throw new AssertionError("op packs the pass ordinal in two bits");
        int p = orders.size(), m = 0, n = 0;
        for (List<PassRef> order : orders) {
            n += order.size();
            for (PassRef ref : order) m = Math.max(m, ref.microBatch() + 1);
        }
        // position[key] = where the (pass, stage, chunk, micro-batch) was placed, −1 until it is.
        int[] position = new int[Pass.values().length * p * v * m];
        Arrays.fill(position, -1);
        int[] op = new int[n], dependency = new int[n];
        int[] next = new int[p];
        int placed = 0;
        // Place every pass whose dependency is placed, stage by stage, until all are: a topological order.
        boolean progress = true;
        while (placed < n && progress) {
            progress = false;
            for (int s = 0; s < p; s++) {
                List<PassRef> order = orders.get(s);
                while (next[s] < order.size()) {
                    PassRef ref = order.get(next[s]);
                    Dependencies.StagePass dep = Dependencies.of(s, ref, p, v);
                    int from = dep == null ? -1 : position[key(dep.pass(), dep.stage(), p, v, m)];
                    if (dep != null && from < 0) break;
                    int consumer = Dependencies.consumerStage(s, ref, p, v);
                    op[placed] = (s * v + ref.chunk()) << 3 | ref.pass().ordinal() << 1 | (consumer >= 0 ? 1 : 0);
                    dependency[placed] = dep == null || dep.stage() == s ? -1 : from;
                    position[key(ref, s, p, v, m)] = placed++;
                    next[s]++;
                    progress = true;
                }
            }
        }
        if (placed < n) throw new IllegalStateException("pipeline order deadlocks: no stage can run its next pass");
        return new CompiledOrder(p, v, op, dependency);
    }

    private static int key(PassRef ref, int stage, int p, int v, int m) {
        return ((ref.pass().ordinal() * p + stage) * v + ref.chunk()) * m + ref.microBatch();
    }
}

package dev.parasim.program.schedule;

import java.util.Arrays;
import java.util.List;

/**
 * A schedule's pass orders flattened, for fast replay, into one sequence of all stages' passes in an
 * order that respects every dependency (each stage's own order, and each pass after the pass it waits
 * for). Replaying it is one linear loop with no "is my input there yet" checks: the dependency structure
 * does not depend on the costs, so it is sorted once per (schedule, p, m, v).
 * <p>
 * The sequence is sorted by wavefront: a pass's depth is one more than the deeper of its stage's previous pass and
 * the pass it waits for, and passes of one depth (one per stage at most) come together. Any order that keeps each
 * stage's own order and puts each pass after its input gives the same times bit for bit; this one puts passes that
 * do not depend on each other next to each other, so a processor overlaps their arithmetic (the order in which the
 * stages were merged instead chains each pass to the one before it).
 *
 * @param stages       p
 * @param chunks       v, model chunks per stage
 * @param op           per position: {@code stage << 20 | 1 << 19 if it produces weight gradients (BW or W) | (stage · v +
 *                     chunk) << 3 | pass ordinal << 1 | 1 if another stage consumes the output}; the low 19 bits, the
 *                     {@link #code}, index per-(stage, chunk, pass) tables (a stage's chunks may cost differently when its
 *                     layers do not split evenly), and {@code op >>> 19} = stage · 2 + the weight-gradient bit
 * @param dependency   per position: the position of the other stage's pass whose output it waits for, or −1
 *                     (none, or a pass of its own stage, which has always ended before: a stage runs in order)
 * @param lastBackward per stage: the position of its last pass that produces weight gradients (BW or W)
 */
public record CompiledOrder(int stages, int chunks, int[] op, int[] dependency, int[] lastBackward) {
    /** Where {@link #op} keeps the stage. */
    public static final int STAGE_SHIFT = 20;
    /** {@link #op}'s bit for a pass that produces weight gradients: {@code op >>> WEIGHT_GRADIENT_SHIFT} = stage · 2 + it. */
    public static final int WEIGHT_GRADIENT_SHIFT = 19, WEIGHT_GRADIENT = 1 << WEIGHT_GRADIENT_SHIFT;

    /** {@return the low bits of an op word: {@code (stage · v + chunk) << 3 | pass ordinal << 1 | consumed}} */
    public static int code(int op) {
        return op & (WEIGHT_GRADIENT - 1);
    }

    /** {@return passes in all stages} */
    public int size() {
        return op.length;
    }

    /** {@return the stage of the pass at {@code position}} */
    public int stage(int position) {
        return op[position] >>> STAGE_SHIFT;
    }

    /** {@return the chunk of the pass at {@code position}} */
    public int chunk(int position) {
        return (code(op[position]) >>> 3) % chunks;
    }

    public static CompiledOrder of(List<List<PassRef>> orders, int v) {
        if (Pass.values().length > 4) throw new AssertionError("op packs the pass ordinal in two bits");
        int p = orders.size(), m = 0, n = 0;
        if ((long) p << STAGE_SHIFT > Integer.MAX_VALUE || (long) p * v << 3 >= WEIGHT_GRADIENT)
            throw new IllegalArgumentException("pipeline too large to compile: p " + p + ", v " + v);
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
                    boolean weights = ref.pass() == Pass.BW || ref.pass() == Pass.W;
                    op[placed] = s << STAGE_SHIFT | (weights ? WEIGHT_GRADIENT : 0)
                            | (s * v + ref.chunk()) << 3 | ref.pass().ordinal() << 1 | (consumer >= 0 ? 1 : 0);
                    dependency[placed] = dep == null || dep.stage() == s ? -1 : from;
                    position[key(ref, s, p, v, m)] = placed++;
                    next[s]++;
                    progress = true;
                }
            }
        }
        if (placed < n) throw new IllegalStateException("pipeline order deadlocks: no stage can run its next pass");
        return byWavefront(p, v, op, dependency);
    }

    /** {@return the same passes stably sorted by depth (see the class comment), dependencies renumbered} */
    private static CompiledOrder byWavefront(int p, int v, int[] op, int[] dependency) {
        int n = op.length, deepest = 0;
        int[] depth = new int[n], stageDepth = new int[p];
        Arrays.fill(stageDepth, -1);
        for (int i = 0; i < n; i++) {
            int s = op[i] >>> STAGE_SHIFT;
            depth[i] = Math.max(stageDepth[s], dependency[i] >= 0 ? depth[dependency[i]] : -1) + 1;
            stageDepth[s] = depth[i];
            deepest = Math.max(deepest, depth[i]);
        }
        int[] next = new int[deepest + 2];   // counting sort: next[d] = where the next pass of depth d goes
        for (int i = 0; i < n; i++) next[depth[i] + 1]++;
        for (int d = 1; d < next.length; d++) next[d] += next[d - 1];
        int[] moved = new int[n], sortedOp = new int[n], sortedDependency = new int[n], lastBackward = new int[p];
        for (int i = 0; i < n; i++) moved[i] = next[depth[i]]++;
        for (int i = 0; i < n; i++) {
            int at = moved[i];
            sortedOp[at] = op[i];
            sortedDependency[at] = dependency[i] >= 0 ? moved[dependency[i]] : -1;
            if ((op[i] & WEIGHT_GRADIENT) != 0) lastBackward[op[i] >>> STAGE_SHIFT] = at;   // a stage keeps its order
        }
        return new CompiledOrder(p, v, sortedOp, sortedDependency, lastBackward);
    }

    private static int key(PassRef ref, int stage, int p, int v, int m) {
        return ((ref.pass().ordinal() * p + stage) * v + ref.chunk()) * m + ref.microBatch();
    }
}

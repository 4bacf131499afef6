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
 * @param op           per position, its code: {@code (stage · v + chunk) << 3 | pass ordinal << 1 | 1 if another stage
 *                     consumes the output}, which indexes per-(stage, chunk, pass) tables (a stage's chunks may cost
 *                     differently when its layers do not split evenly); a {@code char} each (p·v ≤ model.layers ≤ 2,048),
 *                     so that a sweep's cache holds a third more passes in the same bytes as two ints would
 * @param dependency   per position: the position of the other stage's pass whose output it waits for, or −1
 *                     (none, or a pass of its own stage, which has always ended before: a stage runs in order)
 * @param lastBackward per stage: the position of its last pass that produces weight gradients (BW or W)
 * @param lane         per code: {@code stage · 2 + 1 if the pass produces weight gradients (BW or W)}, so a replay finds a
 *                     pass's stage ({@code lane >>> 1}) without dividing
 */
public record CompiledOrder(int stages, int chunks, char[] op, int[] dependency, int[] lastBackward, int[] lane) {
    /** Codes an {@link #op} entry can hold: stage · v + chunk below {@value} / 8. */
    static final int CODES = 1 << 16;

    /** {@return passes in all stages} */
    public int size() {
        return op.length;
    }

    /** {@return bytes the order holds (what a cache of orders counts)} */
    public long bytes() {
        return 2L * op.length + 4L * dependency.length + 4L * lane.length;
    }

    /** {@return the stage of the pass at {@code position}} */
    public int stage(int position) {
        return lane[op[position]] >>> 1;
    }

    /** {@return the chunk of the pass at {@code position}} */
    public int chunk(int position) {
        return (op[position] >>> 3) % chunks;
    }

    /** {@return per code ({@link #op}), stage · 2 + 1 if the pass kind produces weight gradients} */
    private static int[] lanes(int p, int v) {
        int[] lane = new int[p * v << 3];
        for (int code = 0; code < lane.length; code++) {
            int pass = (code >>> 1) & 3;
            boolean weights = pass == Pass.BW.ordinal() || pass == Pass.W.ordinal();
            lane[code] = (code >>> 3) / v * 2 + (weights ? 1 : 0);
        }
        return lane;
    }

    public static CompiledOrder of(List<List<PassRef>> orders, int v) {
        if (Pass.values().length > 4) throw new AssertionError("op packs the pass ordinal in two bits");
        int p = orders.size(), m = 0, n = 0;
        if ((long) p * v << 3 > CODES)
            throw new IllegalArgumentException("pipeline too large to compile: p " + p + ", v " + v);
        for (List<PassRef> order : orders) {
            n += order.size();
            for (PassRef ref : order) m = Math.max(m, ref.microBatch() + 1);
        }
        // position[key] = where the (pass, stage, chunk, micro-batch) was placed, −1 until it is.
        int[] position = new int[Pass.values().length * p * v * m];
        Arrays.fill(position, -1);
        char[] op = new char[n];
        int[] dependency = new int[n];
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
                    op[placed] = (char) ((s * v + ref.chunk()) << 3 | ref.pass().ordinal() << 1 | (consumer >= 0 ? 1 : 0));
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
    private static CompiledOrder byWavefront(int p, int v, char[] op, int[] dependency) {
        int[] lane = lanes(p, v);
        int n = op.length, deepest = 0;
        int[] depth = new int[n], stageDepth = new int[p];
        Arrays.fill(stageDepth, -1);
        for (int i = 0; i < n; i++) {
            int s = lane[op[i]] >>> 1;
            depth[i] = Math.max(stageDepth[s], dependency[i] >= 0 ? depth[dependency[i]] : -1) + 1;
            stageDepth[s] = depth[i];
            deepest = Math.max(deepest, depth[i]);
        }
        int[] next = new int[deepest + 2];   // counting sort: next[d] = where the next pass of depth d goes
        for (int i = 0; i < n; i++) next[depth[i] + 1]++;
        for (int d = 1; d < next.length; d++) next[d] += next[d - 1];
        int[] moved = new int[n], sortedDependency = new int[n], lastBackward = new int[p];
        char[] sortedOp = new char[n];
        for (int i = 0; i < n; i++) moved[i] = next[depth[i]]++;
        for (int i = 0; i < n; i++) {
            int at = moved[i];
            sortedOp[at] = op[i];
            sortedDependency[at] = dependency[i] >= 0 ? moved[dependency[i]] : -1;
            if ((lane[op[i]] & 1) != 0) lastBackward[lane[op[i]] >>> 1] = at;   // a stage keeps its order
        }
        return new CompiledOrder(p, v, sortedOp, sortedDependency, lastBackward, lane);
    }

    private static int key(PassRef ref, int stage, int p, int v, int m) {
        return ((ref.pass().ordinal() * p + stage) * v + ref.chunk()) * m + ref.microBatch();
    }
}

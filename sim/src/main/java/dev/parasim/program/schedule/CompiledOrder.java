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
 * @param stageBits    bits of a code that hold the stage: the fewest that hold p − 1
 * @param op           per position, its code: {@code (chunk << stageBits | stage) << 3 | pass ordinal << 1 | 1 if another
 *                     stage consumes the output}, which indexes per-(stage, chunk, pass) tables (a stage's chunks may cost
 *                     differently when its layers do not split evenly) and gives the stage with a mask; a {@code char}
 *                     each (p·v ≤ model.layers ≤ 2,048), so that a sweep's cache holds a third more passes in the same
 *                     bytes as two ints would
 * @param dependency   per position: the position of the other stage's pass whose output it waits for, or −1
 *                     (none, or a pass of its own stage, which has always ended before: a stage runs in order)
 * @param lastBackward per stage: the position of its last pass that produces weight gradients (BW or W)
 */
public record CompiledOrder(int stages, int chunks, int stageBits, char[] op, int[] dependency, int[] lastBackward) {
    private static final int PASSES = Pass.values().length;
    /** Codes an {@link #op} entry can hold. */
    static final int CODES = 1 << 16;

    /** {@return passes in all stages} */
    public int size() {
        return op.length;
    }

    /** {@return bytes the order holds (what a cache of orders counts)} */
    public long bytes() {
        return 2L * op.length + 4L * dependency.length;
    }

    /** {@return the stage of the pass at {@code position}} */
    public int stage(int position) {
        return stageOf(op[position]);
    }

    /** {@return the chunk of the pass at {@code position}} */
    public int chunk(int position) {
        return op[position] >>> 3 + stageBits;
    }

    /** {@return the stage of a pass with code {@code code}} */
    public int stageOf(int code) {
        return code >>> 3 & (1 << stageBits) - 1;
    }

    /** {@return the codes' range: a table indexed by code needs this many entries} */
    public int codes() {
        return chunks << stageBits << 3;
    }

    /** {@return the code of a pass} */
    private static int code(int stageBits, int stage, int chunk, Pass pass, boolean consumed) {
        return (chunk << stageBits | stage) << 3 | pass.ordinal() << 1 | (consumed ? 1 : 0);
    }

    /** {@return whether a pass kind (ordinal) produces weight gradients: W and BW, the ordinals with bit 1 set} */
    public static boolean weightGradient(int passOrdinal) {
        return (passOrdinal & 2) != 0;
    }

    public static CompiledOrder of(List<List<PassRef>> orders, int v) {
        if (Pass.values().length > 4 || !weightGradient(Pass.W.ordinal()) || !weightGradient(Pass.BW.ordinal())
                || weightGradient(Pass.F.ordinal()) || weightGradient(Pass.B.ordinal()))
            throw new AssertionError("op packs the pass ordinal in two bits, bit 1 for the weight-gradient passes");
        int p = orders.size(), m = 0, n = 0, stageBits = 32 - Integer.numberOfLeadingZeros(Math.max(p - 1, 1) );
        if ((long) v << stageBits << 3 > CODES)
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
                    int dep = Dependencies.packed(s, ref.pass(), ref.chunk(), p, v);
                    int depStage = dep / v / PASSES, from = dep < 0 ? -1
                            : position[key(dep / v % PASSES, depStage, dep % v, ref.microBatch(), p, v, m)];
                    if (dep >= 0 && from < 0) break;
                    int consumer = Dependencies.consumerStage(s, ref, p, v);
                    op[placed] = (char) code(stageBits, s, ref.chunk(), ref.pass(), consumer >= 0);
                    dependency[placed] = dep < 0 || depStage == s ? -1 : from;
                    position[key(ref.pass().ordinal(), s, ref.chunk(), ref.microBatch(), p, v, m)] = placed++;
                    next[s]++;
                    progress = true;
                }
            }
        }
        if (placed < n) throw new IllegalStateException("pipeline order deadlocks: no stage can run its next pass");
        return byWavefront(new CompiledOrder(p, v, stageBits, op, dependency, null));
    }

    /** {@return the same passes stably sorted by depth (see the class comment), dependencies renumbered} */
    private static CompiledOrder byWavefront(CompiledOrder placed) {
        int p = placed.stages;
        char[] op = placed.op;
        int[] dependency = placed.dependency;
        int n = op.length, deepest = 0;
        int[] depth = new int[n], stageDepth = new int[p];
        Arrays.fill(stageDepth, -1);
        for (int i = 0; i < n; i++) {
            int s = placed.stageOf(op[i]);
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
            if (weightGradient(op[i] >>> 1 & 3)) lastBackward[placed.stageOf(op[i])] = at;   // a stage keeps its order
        }
        return new CompiledOrder(p, placed.chunks, placed.stageBits, sortedOp, sortedDependency, lastBackward);
    }

    private static int key(int pass, int stage, int chunk, int microBatch, int p, int v, int m) {
        return ((pass * p + stage) * v + chunk) * m + microBatch;
    }
}

package dev.parasim.program;

import java.util.List;

/**
 * A schedule's pass orders flattened into arrays for fast replay: for every pass of every stage, its
 * slot in a dense time table, the slot it depends on (−1 if none) and whether that dependency is on
 * the same stage, and which other stage consumes its output (−1 if none). Depends only on
 * (schedule, p, m, v), so it is built once per shape.
 */
public record CompiledOrder(int stages, int chunks, int microBatches, int[][] pass, int[][] slot, int[][] dependency,
                            boolean[][] dependencyLocal, int[][] consumer) {

    /** {@return the dense slot of a pass: ((pass · p + stage) · v + chunk) · m + microBatch} */
    public static int slot(Pass pass, int stage, int chunk, int microBatch, int p, int v, int m) {
        return ((pass.ordinal() * p + stage) * v + chunk) * m + microBatch;
    }

    public int slots() {
        return Pass.values().length * stages * chunks * microBatches;
    }

    public static CompiledOrder of(List<List<PassRef>> orders, int v) {
        int p = orders.size(), m = 0;
        for (List<PassRef> order : orders) for (PassRef ref : order) m = Math.max(m, ref.microBatch() + 1);
        int[][] pass = new int[p][], slot = new int[p][], dependency = new int[p][], consumer = new int[p][];
        boolean[][] local = new boolean[p][];
        for (int s = 0; s < p; s++) {
            List<PassRef> order = orders.get(s);
            int n = order.size();
            pass[s] = new int[n];
            slot[s] = new int[n];
            dependency[s] = new int[n];
            consumer[s] = new int[n];
            local[s] = new boolean[n];
            for (int i = 0; i < n; i++) {
                PassRef ref = order.get(i);
                pass[s][i] = ref.pass().ordinal();
                slot[s][i] = slot(ref.pass(), s, ref.chunk(), ref.microBatch(), p, v, m);
                Dependencies.StagePass dep = Dependencies.of(s, ref, p, v);
                dependency[s][i] = dep == null ? -1
                        : slot(dep.pass().pass(), dep.stage(), dep.pass().chunk(), dep.pass().microBatch(), p, v, m);
                local[s][i] = dep != null && dep.stage() == s;
                consumer[s][i] = Dependencies.consumerStage(s, ref, p, v);
            }
        }
        return new CompiledOrder(p, v, m, pass, slot, dependency, local, consumer);
    }
}

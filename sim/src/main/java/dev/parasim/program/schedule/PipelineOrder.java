package dev.parasim.program.schedule;

import dev.parasim.spec.PipelineSchedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Schedules as generators: the order in which each pipeline stage runs its passes in one step.
 * <ul>
 * <li>GPipe (Huang et al. 2019): all forwards, then all backwards.</li>
 * <li>1F1B (Narayanan et al. 2021, PipeDream-Flush): p − s − 1 warm-up forwards on stage s, then
 *   alternate one forward and one backward, then the remaining backwards.</li>
 * <li>Interleaved 1F1B (Narayanan et al. 2021 §2.2.2, Megatron's order): m·v chunk-passes per stage,
 *   2(p − s − 1) + (v − 1)·p warm-up forwards; micro-batches advance in groups of p per chunk.</li>
 * <li>ZB-H1 (Qi et al. 2024): backward split into B (input gradient) and W (weight gradient); at most
 *   p − s micro-batches in flight as in 1F1B, B first, then F, and deferred W fill what would be idle.</li>
 * </ul>
 */
public final class PipelineOrder {
    private static final Map<List<Object>, List<List<PassRef>>> CACHE = new ConcurrentHashMap<>();
    private static final Map<List<Object>, CompiledOrder> COMPILED = new ConcurrentHashMap<>();
    /**
     * Bytes the compiled orders may hold before they are dropped (6 B a pass: 11 M passes); the GPT-3 / 1,024-A100
     * sweep compiles 152 even shapes of 1.1 M passes in all, the million-candidate Llama 3 sweep 436 shapes of 9.2 M
     * passes, which fit: with 8 B a pass they did not, and dropping them all whenever the budget ran out compiled 30 M
     * passes a run.
     */
    private static final long COMPILED_BUDGET_BYTES = 64L << 20;
    private static final java.util.concurrent.atomic.AtomicLong COMPILED_BYTES = new java.util.concurrent.atomic.AtomicLong();
    private static final Map<List<Object>, List<int[][]>> PEAKS = new ConcurrentHashMap<>();
    private static final Map<List<Object>, List<int[][]>> STARTS = new ConcurrentHashMap<>();

    private PipelineOrder() {}

    /** {@return for each stage, its passes in execution order (immutable; computed once per shape)} */
    public static List<List<PassRef>> of(PipelineSchedule schedule, int p, int m, int v) {
        return CACHE.computeIfAbsent(List.of(schedule, p, m, v), k -> generate(schedule, p, m, v));
    }

    /** {@return the orders flattened for fast replay (computed once per shape while the bounded cache keeps it)} */
    public static CompiledOrder compiled(PipelineSchedule schedule, int p, int m, int v) {
        List<Object> key = List.of(schedule, p, m, v);
        CompiledOrder cached = COMPILED.get(key);
        if (cached != null) return cached;
        // Built outside the map (no bin lock held while other tasks look up), from freshly generated orders: a
        // sweep never needs the PassRef lists again. Bounded for long-lived executors running many sweeps.
        CompiledOrder built = CompiledOrder.of(generated(schedule, p, m, v), v);
        if (COMPILED_BYTES.addAndGet(built.bytes()) > COMPILED_BUDGET_BYTES) {
            COMPILED.clear();
            COMPILED_BYTES.set(built.bytes());
        }
        CompiledOrder raced = COMPILED.putIfAbsent(key, built);
        return raced != null ? raced : built;
    }

    /**
     * {@return per stage, the chunks in flight (count per chunk) at the moments its activation memory can peak}:
     * after each forward, keeping only count vectors that no other one reached by a forward of the same chunk
     * dominates, so that for any per-chunk bytes the peak is the largest dot product with one of them, and the peak
     * plus what a forward of chunk c holds besides (its boundary buffers) the largest such sum (computed once per
     * shape; sweeps ask for every interleaved plan). A chunk enters at its F and leaves at its B or BW. Each vector
     * has v + 1 entries: the counts of chunks 0 … v − 1, then the chunk whose forward reached it.
     */
    public static List<int[][]> inFlightPeaks(PipelineSchedule schedule, int p, int m, int v) {
        Last<List<int[][]>> last = LAST_PEAKS.get();
        if (last != null && last.is(schedule, p, m, v)) return last.value();
        List<int[][]> peaks = PEAKS.computeIfAbsent(List.of(schedule, p, m, v), k -> {
            List<int[][]> perStage = new ArrayList<>();
            for (List<PassRef> order : generated(schedule, p, m, v)) perStage.add(undominated(order, v));
            return List.copyOf(perStage);
        });
        LAST_PEAKS.set(new Last<>(schedule, p, m, v, peaks));
        return peaks;
    }

    /**
     * The shape this thread asked for last and its answer: a plan's memory asks for the same shape once per stage and
     * call site, and a sweep evaluates plans of one shape one after another (a map lookup builds and hashes a key each
     * time). Per thread, as {@code workload.StageSplit}'s: a field shared by the evaluating threads missed and bounced
     * between the cores.
     */
    private record Last<T>(PipelineSchedule schedule, int p, int m, int v, T value) {
        boolean is(PipelineSchedule schedule, int p, int m, int v) {
            return this.schedule == schedule && this.p == p && this.m == m && this.v == v;
        }
    }

    private static final ThreadLocal<Last<List<int[][]>>> LAST_PEAKS = new ThreadLocal<>(), LAST_STARTS = new ThreadLocal<>();

    /**
     * The orders this thread generated last, when at most {@value #KEPT_PASSES} passes: {@link #compiled},
     * {@link #inFlightPeaks} and {@link #passStarts} derive from the same orders, and the first plan of a shape asks
     * for all three in a row. Each generated them anew: in a cold sweep, generation was a quarter of the evaluating
     * threads' samples. One shape per thread, so what stays behind is bounded (about 28 B a pass).
     */
    private static final ThreadLocal<Last<List<List<PassRef>>>> LAST_GENERATED = new ThreadLocal<>();
    private static final int KEPT_PASSES = 1 << 16;

    /** {@return {@link #generate}'s orders, reused from this thread's last shape when it is this one} */
    private static List<List<PassRef>> generated(PipelineSchedule schedule, int p, int m, int v) {
        Last<List<List<PassRef>>> last = LAST_GENERATED.get();
        if (last != null && last.is(schedule, p, m, v)) return last.value();
        List<List<PassRef>> orders = generate(schedule, p, m, v);
        long passes = 0;
        for (List<PassRef> order : orders) passes += order.size();
        LAST_GENERATED.set(passes <= KEPT_PASSES ? new Last<>(schedule, p, m, v, orders) : null);
        return orders;
    }

    /**
     * {@return per stage, what it holds at the moments a pass's ZeRO ops can peak}: after each F, and before each B, BW
     * and W, the micro-batch chunks awaiting their B (or BW) and those awaiting their W, per chunk, keeping only the
     * vectors no other one of the same pass kind and chunk dominates (computed once per shape). Each vector has 2v + 2
     * entries: v counts awaiting B, v counts awaiting W, the pass's chunk, and its kind: 0 after F, 1 before B or BW,
     * 2 before W. A chunk counts as awaiting its B from the end of its F, and its W from the end of its B.
     */
    public static List<int[][]> passStarts(PipelineSchedule schedule, int p, int m, int v) {
        Last<List<int[][]>> last = LAST_STARTS.get();
        if (last != null && last.is(schedule, p, m, v)) return last.value();
        List<int[][]> starts = STARTS.computeIfAbsent(List.of(schedule, p, m, v), k -> {
            List<int[][]> perStage = new ArrayList<>();
            for (List<PassRef> order : generated(schedule, p, m, v)) {
                List<int[]> kept = new ArrayList<>();
                int[] live = new int[2 * v + 2];
                for (PassRef ref : order) {
                    int c = ref.chunk();
                    if (ref.pass() == Pass.F) live[c]++;
                    live[2 * v] = c;
                    live[2 * v + 1] = switch (ref.pass()) { case F -> 0; case B, BW -> 1; case W -> 2; };
                    keep(kept, live, v);
                    switch (ref.pass()) {
                        case F -> { }
                        case B -> { live[c]--; live[v + c]++; }
                        case BW -> live[c]--;
                        case W -> live[v + c]--;
                    }
                }
                perStage.add(kept.toArray(int[][]::new));
            }
            return List.copyOf(perStage);
        });
        LAST_STARTS.set(new Last<>(schedule, p, m, v, starts));
        return starts;
    }

    /**
     * Adds {@code live} to {@code kept} unless a vector of the same chunk and kind dominates it, dropping those it dominates
     * (plain loops: this runs once per pass of every shape a sweep meets, millions of times).
     */
    private static void keep(List<int[]> kept, int[] live, int v) {
        for (int[] k : kept) if (sameStart(k, live, v) && dominates(k, live, 2 * v)) return;
        kept.removeIf(k -> sameStart(k, live, v) && dominates(live, k, 2 * v));
        kept.add(live.clone());
    }

    /** {@return whether two pass-start vectors are of the same chunk and pass kind} */
    private static boolean sameStart(int[] a, int[] b, int v) {
        return a[2 * v] == b[2 * v] && a[2 * v + 1] == b[2 * v + 1];
    }

    private static int[][] undominated(List<PassRef> order, int v) {
        List<int[]> kept = new ArrayList<>();
        int[] live = new int[v + 1];
        for (PassRef ref : order) {
            switch (ref.pass()) {
                case F -> {
                    live[ref.chunk()]++;
                    live[v] = ref.chunk();
                    if (anyDominates(kept, live, v)) continue;
                    kept.removeIf(k -> k[v] == live[v] && dominates(live, k, v));
                    kept.add(live.clone());
                }
                case B, BW -> live[ref.chunk()]--;
                case W -> { }
            }
        }
        return kept.toArray(int[][]::new);
    }

    /** {@return whether a kept in-flight vector reached by a forward of the same chunk holds at least as many of each chunk} */
    private static boolean anyDominates(List<int[]> kept, int[] live, int v) {
        for (int[] k : kept) if (k[v] == live[v] && dominates(k, live, v)) return true;
        return false;
    }

    /** {@return whether {@code a} holds at least as many as {@code b} in each of the first {@code entries} counts} */
    private static boolean dominates(int[] a, int[] b, int entries) {
        for (int c = 0; c < entries; c++) if (a[c] < b[c]) return false;
        return true;
    }

    static List<List<PassRef>> generate(PipelineSchedule schedule, int p, int m, int v) {
        if (schedule == PipelineSchedule.ZB_H1) return ZeroBubble.orders(p, m).stream().map(List::copyOf).toList();
        List<List<PassRef>> orders = new ArrayList<>();
        for (int s = 0; s < p; s++)
            orders.add(switch (schedule) {
                case GPIPE -> gpipe(m);
                case ONE_F_ONE_B -> oneForwardOneBackward(p, m, s);
                case INTERLEAVED -> interleaved(p, m, v, s);
                case ZB_H1 -> throw new AssertionError("handled above");
            });
        return orders.stream().map(List::copyOf).toList();
    }

    static List<PassRef> gpipe(int m) {
        List<PassRef> order = new ArrayList<>();
        for (int i = 0; i < m; i++) order.add(new PassRef(Pass.F, i, 0));
        for (int i = 0; i < m; i++) order.add(new PassRef(Pass.BW, i, 0));
        return order;
    }

    static List<PassRef> oneForwardOneBackward(int p, int m, int s) {
        int warmup = Math.min(p - s - 1, m);
        List<PassRef> order = new ArrayList<>();
        for (int i = 0; i < warmup; i++) order.add(new PassRef(Pass.F, i, 0));
        for (int i = 0; i < m - warmup; i++) {
            order.add(new PassRef(Pass.F, warmup + i, 0));
            order.add(new PassRef(Pass.BW, i, 0));
        }
        for (int i = m - warmup; i < m; i++) order.add(new PassRef(Pass.BW, i, 0));
        return order;
    }

    static List<PassRef> interleaved(int p, int m, int v, int s) {
        int total = m * v;
        int warmup = m == p ? total : Math.min(total, 2 * (p - s - 1) + (v - 1) * p);
        List<PassRef> order = new ArrayList<>();
        for (int k = 0; k < warmup; k++) order.add(forwardChunk(k, p, v));
        for (int k = 0; k < total - warmup; k++) {
            order.add(forwardChunk(warmup + k, p, v));
            order.add(backwardChunk(k, p, v));
        }
        for (int k = total - warmup; k < total; k++) order.add(backwardChunk(k, p, v));
        return order;
    }

    /** Megatron: the k-th forward of a stage is micro-batch (k / (p·v))·p + k mod p of chunk (k / p) mod v. */
    static PassRef forwardChunk(int k, int p, int v) {
        return new PassRef(Pass.F, (k / (p * v)) * p + k % p, (k / p) % v);
    }

    static PassRef backwardChunk(int k, int p, int v) {
        return new PassRef(Pass.BW, (k / (p * v)) * p + k % p, v - 1 - (k / p) % v);
    }
}

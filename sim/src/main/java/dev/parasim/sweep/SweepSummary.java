package dev.parasim.sweep;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The answers of a streamed sweep, folded plan by plan where the plans are evaluated and merged task by task on the
 * driver: its size depends on the GPU counts, the TP × PP cells and {@code topK}, never on how many candidates the
 * space holds. Holds per status and per rule the candidates, per TP × PP cell its counts and best MFU, per GPU count
 * the fastest plan, the memory/step-time Pareto front, the fastest {@link #PLANS_PER_GPU_COUNT} plans (plans.csv) and
 * the fastest {@link SweepCharts#MAX_POINTS} points (the Pareto chart), and the top k by MFU. Every order is total (plan
 * names are unique per GPU count), so the answers do not depend on how plans were split into tasks or merged, and they
 * equal {@link SweepAnswers} over the same rows ({@code SweepSummaryTest}).
 */
public final class SweepSummary implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Plans that fit kept per GPU count for a streamed sweep's plans.csv (the fastest ones). */
    public static final int PLANS_PER_GPU_COUNT = 1000;

    /** A plan on the Pareto chart: its name, step time and peak memory. */
    record Point(String plan, double stepSeconds, long peakBytes) implements Serializable {}

    private static final Comparator<SweepResult> FASTEST = Comparator.<SweepResult>comparingDouble(r -> -r.tokensPerSecond())
            .thenComparing(SweepResult::plan);
    private static final Comparator<SweepResult> BY_MFU = Comparator.<SweepResult>comparingDouble(r -> -r.mfu())
            .thenComparing(SweepResult::plan).thenComparingInt(SweepResult::gpus);
    private static final Comparator<SweepResult> FRONT = Comparator.comparingDouble(SweepResult::stepSeconds)
            .thenComparingLong(SweepResult::peakBytes).thenComparing(SweepResult::plan);
    private static final Comparator<SweepResult> BY_STEP = Comparator.comparingDouble(SweepResult::stepSeconds)
            .thenComparing(SweepResult::plan);
    private static final Comparator<Point> POINT_BY_STEP = Comparator.comparingDouble(Point::stepSeconds).thenComparing(Point::plan);

    private final int topK;
    private final TreeMap<String, Long> status = new TreeMap<>();
    private final TreeMap<String, Long> rejected = new TreeMap<>();
    private final TreeMap<Cell, Counts> cells = new TreeMap<>();
    private final TreeMap<Integer, SweepResult> best = new TreeMap<>();
    // Ordered by comparators, which do not serialize: written as lists, rebuilt when read (writeObject, readObject).
    private transient TreeSet<SweepResult> top = new TreeSet<>(BY_MFU);
    private transient TreeMap<Integer, TreeSet<SweepResult>> fronts = new TreeMap<>();
    private transient TreeMap<Integer, TreeSet<SweepResult>> fastest = new TreeMap<>();
    private transient TreeMap<Integer, TreeSet<Point>> points = new TreeMap<>();

    /** An empty summary keeping the top {@code topK} by MFU. */
    public SweepSummary(int topK) {
        this.topK = topK;
    }

    /** Folds one evaluated plan (ok or oom) or one count of rejected candidates in; {@return this} */
    public SweepSummary add(SweepResult r) {
        status.merge(r.status(), r.count(), Long::sum);
        if (r.status().equals(SweepResult.INVALID)) {
            rejected.merge(r.reason(), r.count(), Long::sum);
            return this;
        }
        boolean fits = r.status().equals(SweepResult.OK);
        Counts cell = cells.computeIfAbsent(new Cell(r.gpus(), r.tp(), r.pp()), c -> new Counts());
        if (!fits) {
            cell.oom++;
            return this;
        }
        cell.fit++;
        cell.bestMfu = cell.fit == 1 ? r.mfu() : Math.max(cell.bestMfu, r.mfu());
        best.merge(r.gpus(), r, (a, b) -> FASTEST.compare(a, b) <= 0 ? a : b);
        bounded(top, r, topK);
        front(fronts.computeIfAbsent(r.gpus(), g -> new TreeSet<>(FRONT)), r);
        bounded(fastest.computeIfAbsent(r.gpus(), g -> new TreeSet<>(BY_STEP)), r, PLANS_PER_GPU_COUNT);
        bounded(points.computeIfAbsent(r.gpus(), g -> new TreeSet<>(POINT_BY_STEP)),
                new Point(r.plan(), r.stepSeconds(), r.peakBytes()), SweepCharts.MAX_POINTS);
        return this;
    }

    /** Folds another task's summary in (order-independent); {@return this} */
    public SweepSummary merge(SweepSummary other) {
        other.status.forEach((s, n) -> status.merge(s, n, Long::sum));
        other.rejected.forEach((s, n) -> rejected.merge(s, n, Long::sum));
        other.cells.forEach((key, c) -> cells.computeIfAbsent(key, k -> new Counts()).add(c));
        other.best.forEach((g, r) -> best.merge(g, r, (a, b) -> FASTEST.compare(a, b) <= 0 ? a : b));
        other.top.forEach(r -> bounded(top, r, topK));
        other.fronts.forEach((g, f) -> f.forEach(r -> front(fronts.computeIfAbsent(g, x -> new TreeSet<>(FRONT)), r)));
        other.fastest.forEach((g, f) -> f.forEach(r -> bounded(fastest.computeIfAbsent(g, x -> new TreeSet<>(BY_STEP)), r,
                PLANS_PER_GPU_COUNT)));
        other.points.forEach((g, f) -> f.forEach(p -> bounded(points.computeIfAbsent(g, x -> new TreeSet<>(POINT_BY_STEP)), p,
                SweepCharts.MAX_POINTS)));
        return this;
    }

    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
        out.defaultWriteObject();
        out.writeObject(new ArrayList<>(top));
        out.writeObject(lists(fronts));
        out.writeObject(lists(fastest));
        out.writeObject(lists(points));
    }

    @SuppressWarnings("unchecked")
    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
        in.defaultReadObject();
        top = new TreeSet<>(BY_MFU);
        top.addAll((List<SweepResult>) in.readObject());
        fronts = sets((TreeMap<Integer, List<SweepResult>>) in.readObject(), FRONT);
        fastest = sets((TreeMap<Integer, List<SweepResult>>) in.readObject(), BY_STEP);
        points = sets((TreeMap<Integer, List<Point>>) in.readObject(), POINT_BY_STEP);
    }

    private static <T> TreeMap<Integer, List<T>> lists(TreeMap<Integer, TreeSet<T>> sets) {
        TreeMap<Integer, List<T>> out = new TreeMap<>();
        sets.forEach((g, set) -> out.put(g, new ArrayList<>(set)));
        return out;
    }

    private static <T> TreeMap<Integer, TreeSet<T>> sets(TreeMap<Integer, List<T>> lists, Comparator<T> order) {
        TreeMap<Integer, TreeSet<T>> out = new TreeMap<>();
        lists.forEach((g, list) -> {
            TreeSet<T> set = new TreeSet<>(order);
            set.addAll(list);
            out.put(g, set);
        });
        return out;
    }

    /** Keeps {@code r} if it is among the first {@code limit} of {@code kept}'s order. */
    private static <T> void bounded(NavigableSet<T> kept, T r, int limit) {
        if (kept.size() >= limit && kept.comparator().compare(r, kept.last()) >= 0) return;
        kept.add(r);
        if (kept.size() > limit) kept.pollLast();
    }

    /**
     * Adds {@code r} to a Pareto front kept in order of step time, peak memory and plan name (so peaks fall along it): it
     * joins when its peak is below the peak of the front's plan just before it, and pushes out the plans after it whose
     * peak is not below its own. The front of a union of fronts is the front of the union of their plans.
     */
    private static void front(TreeSet<SweepResult> front, SweepResult r) {
        SweepResult before = front.lower(r);
        if (before != null && before.peakBytes() <= r.peakBytes()) return;
        for (SweepResult after = front.higher(r); after != null && after.peakBytes() >= r.peakBytes(); after = front.higher(r))
            front.remove(after);
        front.add(r);
    }

    /** A TP × PP cell of one GPU count, ordered by GPU count, tp, pp. */
    record Cell(int gpus, int tp, int pp) implements Comparable<Cell>, Serializable {
        @Override
        public int compareTo(Cell o) {
            return gpus != o.gpus ? Integer.compare(gpus, o.gpus) : tp != o.tp ? Integer.compare(tp, o.tp) : Integer.compare(pp, o.pp);
        }
    }

    /** A cell's plans that did not fit and that fit, and the best MFU of those that fit (meaningless while none fit). */
    static final class Counts implements Serializable {
        private static final long serialVersionUID = 1L;
        long oom, fit;
        double bestMfu;

        void add(Counts o) {
            if (o.fit > 0) bestMfu = fit == 0 ? o.bestMfu : Math.max(bestMfu, o.bestMfu);
            oom += o.oom;
            fit += o.fit;
        }
    }

    /** {@return the answer tables, the same rows, columns and order as {@link SweepAnswers#of} over every plan} */
    public SweepOutput.Tables tables() {
        List<Row> statusRows = new ArrayList<>();
        status.forEach((s, n) -> statusRows.add(new GenericRowWithSchema(new Object[] {s, n}, SweepAnswers.STATUS)));
        List<Row> heatmap = new ArrayList<>();
        cells.forEach((cell, c) -> heatmap.add(new GenericRowWithSchema(new Object[] {cell.gpus(), cell.tp(), cell.pp(),
                c.fit == 0 ? null : c.bestMfu, c.oom, c.fit}, SweepAnswers.HEATMAP)));
        List<Row> rejectedRows = new ArrayList<>();
        rejected.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> rejectedRows.add(new GenericRowWithSchema(new Object[] {e.getKey(), e.getValue()}, SweepAnswers.REJECTED)));
        List<Row> front = new ArrayList<>();
        fronts.values().forEach(f -> f.forEach(r -> front.add(SweepAnswers.planColumns(SweepRows.row(r)))));
        return new SweepOutput.Tables(statusRows, best.values().stream().map(r -> SweepAnswers.planColumns(SweepRows.row(r))).toList(),
                front, top.stream().map(r -> SweepAnswers.planColumns(SweepRows.row(r))).toList(), heatmap, rejectedRows,
                SweepQueries.COLUMNS.split(", "));
    }

    /** {@return the fastest plans that fit kept per GPU count, as rows of {@link SweepRows#SCHEMA}, by GPU count then plan name} */
    public List<Row> plans() {
        List<Row> rows = new ArrayList<>();
        fastest.values().forEach(f -> f.forEach(r -> rows.add(SweepRows.row(r))));
        return PlanRows.sorted(rows);
    }

    /** {@return the fastest plans that fit on {@code gpus} GPUs (at most {@link SweepCharts#MAX_POINTS}), fastest first} */
    List<Point> points(int gpus) {
        return List.copyOf(points.getOrDefault(gpus, new TreeSet<>(POINT_BY_STEP)));
    }

    /** {@return every candidate counted: plans evaluated and candidates rejected} */
    public long candidates() {
        return status.values().stream().mapToLong(Long::longValue).sum();
    }
}

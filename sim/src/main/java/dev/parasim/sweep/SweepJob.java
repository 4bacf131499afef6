package dev.parasim.sweep;

import dev.parasim.spec.load.SweepLoader;
import dev.parasim.spec.SweepSpec;
import dev.parasim.spark.SparkSessions;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

import dev.parasim.report.ProgressLine;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The sweep as a Spark job: seeds (GPU count × tp × pp × cp) are spread over tasks, each task parses
 * the sweep spec once and evaluates its seeds' plans with the accountant and the timeline, and the
 * results become one DataFrame. A sweep of at most {@link #DRIVER_CANDIDATES} candidates also brings its
 * rows to the driver in the same job, where {@link SweepAnswers} ranks them in one pass; a larger one is
 * ranked by Spark SQL (see {@link SweepQueries}).
 */
public final class SweepJob {
    /**
     * Candidates up to which the evaluated rows are collected to the driver (about 0.3 KB each as kept
     * blocks, 1–2 KB as rows): 250,000 candidates hold at most a few hundred MB there.
     */
    public static final long DRIVER_CANDIDATES = 250_000;

    private SweepJob() {}

    /**
     * The evaluated space: every plan row (ok and oom) and the rejected candidates' counts, as a DataFrame
     * over {@code evaluated}, the rows kept in memory (one {@link SweepRows#encode} block per task) so that
     * queries never evaluate a plan twice; {@code kept} holds the same rows on the driver, or is null when the
     * sweep is too large for that (then the answers come from Spark SQL). The DataFrame is built on first use
     * ({@link #results}): a sweep answered on the driver never asks for it, and in a cold JVM building it loaded
     * Spark SQL's classes for about a second. A streamed sweep ({@link #stream}) keeps no rows anywhere: only its
     * {@code summary} (then {@code frame}, {@code evaluated} and {@code kept} are null).
     */
    public record Outcome(SweepSpec spec, Frame frame, long seeds, int tasks, JavaRDD<byte[]> evaluated, List<Row> kept,
                          SweepSummary summary) {
        /** An outcome whose rows are kept (on the executors, and on the driver when {@code kept} is not null). */
        public Outcome(SweepSpec spec, Frame frame, long seeds, int tasks, JavaRDD<byte[]> evaluated, List<Row> kept) {
            this(spec, frame, seeds, tasks, evaluated, kept, null);
        }

        /** An outcome over a DataFrame already built. */
        public Outcome(SweepSpec spec, Dataset<Row> results, long seeds, int tasks, JavaRDD<byte[]> evaluated, List<Row> kept) {
            this(spec, new Frame(() -> results), seeds, tasks, evaluated, kept, null);
        }

        /** {@return every evaluated row as a DataFrame of {@link SweepRows#SCHEMA}, built on the first call} */
        public Dataset<Row> results() {
            if (frame == null) throw new IllegalStateException("this sweep has no DataFrame: streamed (a summary only) or evaluated in-process");
            return frame.get();
        }

        /** {@return whether the rows are on the driver} */
        public boolean onDriver() {
            return kept != null;
        }

        /** {@return whether the sweep streamed: its answers folded where the plans were evaluated, no rows kept} */
        public boolean streamed() {
            return summary != null;
        }

        /** Frees the evaluated rows. */
        public void release() {
            if (evaluated != null) evaluated.unpersist(false);
        }
    }

    /** A DataFrame built once, on the first {@link #get} (thread-safe). */
    public static final class Frame {
        private final java.util.function.Supplier<Dataset<Row>> build;
        private Dataset<Row> built;

        Frame(java.util.function.Supplier<Dataset<Row>> build) {
            this.build = build;
        }

        synchronized Dataset<Row> get() {
            if (built == null) built = build.get();
            return built;
        }
    }

    /**
     * A sweep before Spark: its spec, its seeds and each seed's estimated work ({@link PlanEvaluator#estimatedCost}),
     * so that a caller can compute them while the Spark session starts (a cold JVM spends seconds on each).
     */
    public record Prepared(String yaml, List<String> overrides, SweepSpec spec, List<PlanSpace.Seed> seeds, double[] costs) {
        /** {@return the parsed sweep and its seeds' estimated work} */
        public static Prepared of(String sweepYaml, List<String> overrides) {
            SweepSpec spec = SweepLoader.parse(sweepYaml, overrides);
            List<PlanSpace.Seed> seeds = PlanSpace.seeds(spec);
            PlanEvaluator estimator = new PlanEvaluator(spec);
            double[] costs = new double[seeds.size()];
            for (int i = 0; i < costs.length; i++) costs[i] = estimator.estimatedCost(seeds.get(i));
            return new Prepared(sweepYaml, List.copyOf(overrides), spec, seeds, costs);
        }

        /**
         * Evaluates plans on this thread, discarding the results, until {@code stop} says so (checked between plans) or
         * every plan ran; {@return the plans evaluated}. Only a warm-up, for a local master whose executors share this
         * JVM: while the Spark session starts (seconds of class loading on one core) the other core compiles the
         * evaluation code and fills the pipeline-order caches the tasks then reuse; in a cold JVM the evaluating job
         * ran about ten times slower than warm, mostly interpreting that code. The plans are taken one from each valid
         * seed in turn (cheapest seed first, each seed's plans in a fixed shuffled order), so that every layout,
         * schedule and ZeRO stage is met early. The rows still come from the Spark job only.
         */
        public int warmUp(java.util.function.BooleanSupplier stop) {
            Integer[] order = new Integer[seeds.size()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            java.util.Arrays.sort(order, java.util.Comparator.<Integer>comparingDouble(i -> costs[i]).thenComparingInt(i -> i));
            List<List<PlanSpace.Candidate>> plans = new ArrayList<>();
            for (int i : order) {
                if (costs[i] == 0) continue;   // a layout that breaks a rule: nothing to compile
                List<PlanSpace.Candidate> candidates = new ArrayList<>();
                PlanSpace.expand(spec, seeds.get(i), candidates::add);
                java.util.Collections.shuffle(candidates, new java.util.Random(i));
                plans.add(candidates);
            }
            PlanEvaluator evaluator = new PlanEvaluator(spec);
            int evaluated = 0;
            for (int round = 0; !plans.isEmpty(); round++) {
                for (List<PlanSpace.Candidate> candidates : plans) {
                    if (stop.getAsBoolean()) return evaluated;
                    if (round < candidates.size() && evaluator.warmUp(candidates.get(round))) evaluated++;
                }
                final int next = round + 1;
                plans.removeIf(candidates -> candidates.size() <= next);
                evaluator.plays().clear();
            }
            return evaluated;
        }

        /** {@return whether the rows are few enough to collect to the driver ({@link #DRIVER_CANDIDATES}); larger sweeps stream} */
        public boolean small() {
            return PlanSpace.distinct(spec) <= DRIVER_CANDIDATES;
        }
    }

    public static Outcome run(SparkContext spark, String sweepYaml, List<String> overrides, PrintWriter progress) {
        return run(spark, sweepYaml, overrides, progress, false);
    }

    /**
     * Runs a sweep the way its size asks: rows collected to the driver when small ({@link Prepared#small}), else streamed.
     * @param live progress as one line rewritten in place (a terminal), else plain lines at each quarter
     */
    public static Outcome run(SparkContext spark, String sweepYaml, List<String> overrides, PrintWriter progress, boolean live) {
        Prepared sweep = Prepared.of(sweepYaml, overrides);
        return sweep.small() ? run(spark, sweep, progress, live, true) : stream(spark, sweep, progress, live);
    }

    /** Runs the sweep; {@code onDriver} collects the evaluated rows to the driver in the evaluating job. */
    public static Outcome run(SparkContext spark, String sweepYaml, List<String> overrides, PrintWriter progress,
                              boolean live, boolean onDriver) {
        return run(spark, Prepared.of(sweepYaml, overrides), progress, live, onDriver);
    }

    /** Runs a prepared sweep; {@code onDriver} collects the evaluated rows to the driver in the evaluating job. */
    public static Outcome run(SparkContext spark, Prepared sweep, PrintWriter progress, boolean live, boolean onDriver) {
        SweepSpec spec = sweep.spec();
        List<PlanSpace.Seed> seeds = sweep.seeds();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark);
        int tasks = tasks(seeds.size(), KEPT_TASKS_PER_CORE, jsc.defaultParallelism());
        List<List<PlanSpace.Seed>> balanced = balance(seeds, sweep.costs(), tasks);
        String yaml = sweep.yaml();
        List<String> sets = sweep.overrides();
        JavaRDD<byte[]> blocks = jsc.parallelize(balanced, tasks).map(group -> evaluate(yaml, sets, group));
        return evaluating(spark, spec, balanced, line -> {
            // One job of one stage evaluates every plan (and, when small, brings the blocks to the driver);
            // the DataFrame decodes the kept blocks (no SQL cache to build).
            blocks.persist(StorageLevel.MEMORY_ONLY());
            List<Row> kept = null;
            if (onDriver) {
                kept = new ArrayList<>();
                for (byte[] block : blocks.collect()) kept.addAll(SweepRows.decode(block));
            } else {
                blocks.count();
            }
            Frame frame = new Frame(() -> SparkSessions.over(spark).createDataFrame(blocks.flatMap(block -> SweepRows.decode(block).iterator()),
                    SweepRows.SCHEMA));
            return new Outcome(spec, frame, seeds.size(), balanced.size(), blocks,
                    kept == null ? null : java.util.Collections.unmodifiableList(kept));
        }, progress, live);
    }

    /**
     * {@return one task's rows as a {@link SweepRows#encode} block}: its seeds' plans in order, evaluated against the sweep
     * parsed from {@code yaml} and {@code sets}. The one body of a kept sweep's task, whether Spark or {@link InProcessSweep} runs it.
     */
    static byte[] evaluate(String yaml, List<String> sets, List<PlanSpace.Seed> group) {
        PlanEvaluator evaluator = new PlanEvaluator(SweepLoader.parse(yaml, sets));
        List<Row> out = new ArrayList<>();
        for (PlanSpace.Seed seed : group) evaluator.evaluate(seed, r -> out.add(SweepRows.row(r)));
        return SweepRows.encode(out);
    }

    /** Evaluating tasks per core of a kept sweep. */
    static final int KEPT_TASKS_PER_CORE = 4;

    /** Evaluating tasks per core of a streamed sweep: more, smaller tasks than a kept one, for finer progress and balance. */
    static final int STREAM_TASKS_PER_CORE = 16;

    /** {@return the tasks a sweep of {@code seeds} seeds runs in: {@code perCore} per core of {@code parallelism}, at most one per seed} */
    static int tasks(int seeds, int perCore, int parallelism) {
        return Math.max(1, Math.min(seeds, perCore * parallelism));
    }

    /**
     * Runs a prepared sweep streamed: each task folds its plans into a {@link SweepSummary} as they are evaluated (no row is
     * kept), and the driver merges the tasks' summaries as they finish ({@code reduce}), so its memory is bounded by the
     * answers' size (GPU counts, TP × PP cells, top k), not by the candidates': one Spark job of one stage.
     */
    public static Outcome stream(SparkContext spark, Prepared sweep, PrintWriter progress, boolean live) {
        return stream(spark, sweep, progress, live, null);
    }

    /**
     * Runs a prepared sweep streamed; with {@code parquet} not null the same job also writes every evaluated plan (ok and
     * oom, {@link PlanRows#SCHEMA}) there as Parquet, one part per task written by the executor that evaluated it (so on
     * a cluster, a path every machine can write), the summaries reaching the driver through an accumulator
     * ({@link SummaryRows}). The parts hold each task's plans in evaluation order, not sorted.
     */
    public static Outcome stream(SparkContext spark, Prepared sweep, PrintWriter progress, boolean live, java.nio.file.Path parquet) {
        SweepSpec spec = sweep.spec();
        List<PlanSpace.Seed> seeds = sweep.seeds();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark);
        int tasks = tasks(seeds.size(), STREAM_TASKS_PER_CORE, jsc.defaultParallelism());
        List<List<PlanSpace.Seed>> balanced = balance(seeds, sweep.costs(), tasks);
        String yaml = sweep.yaml();
        List<String> sets = sweep.overrides();
        int topK = spec.constraints().topK();
        if (parquet != null) {
            SummaryRows.Accumulator summaries = new SummaryRows.Accumulator(topK);
            spark.register(summaries, "sweep summaries");
            JavaRDD<Row> rows = jsc.parallelize(balanced, tasks).mapPartitions(groups -> {
                List<PlanSpace.Seed> group = new ArrayList<>();
                groups.forEachRemaining(group::addAll);
                return new SummaryRows(yaml, sets, topK, group, summaries);
            });
            return evaluating(spark, spec, balanced, line -> {
                SparkSessions.over(spark).createDataFrame(rows, PlanRows.SCHEMA).write().parquet(parquet.toString());
                return new Outcome(spec, null, seeds.size(), tasks, null, null, summaries.value());
            }, progress, live);
        }
        JavaRDD<SweepSummary> summaries = jsc.parallelize(balanced, tasks).map(group -> {
            PlanEvaluator evaluator = new PlanEvaluator(SweepLoader.parse(yaml, sets));
            SweepSummary summary = new SweepSummary(topK);
            for (PlanSpace.Seed seed : group) evaluator.evaluate(seed, summary::add);
            return summary;
        });
        return evaluating(spark, spec, balanced, line -> new Outcome(spec, null, seeds.size(), tasks, null, null,
                summaries.reduce(SweepSummary::merge)), progress, live);
    }

    /** Runs {@code job} with a progress line counting the plan groups of each finished task, then prints its summary line. */
    private static Outcome evaluating(SparkContext spark, SweepSpec spec, List<List<PlanSpace.Seed>> balanced,
                                      java.util.function.Function<ProgressLine, Outcome> job, PrintWriter progress, boolean live) {
        int[] groupSizes = balanced.stream().mapToInt(List::size).toArray();
        long seeds = java.util.Arrays.stream(groupSizes).asLongStream().sum();
        ProgressLine line = progressLine(spec, seeds, progress, live);
        Progress listener = new Progress(line, groupSizes);
        spark.addSparkListener(listener);
        try {
            Outcome outcome = job.apply(line);
            line.finish(String.format(Locale.ROOT, "[sweep] %s: %d plan groups evaluated in %d tasks, %.1f s", spec.name(),
                    seeds, balanced.size(), line.seconds()));
            return outcome;
        } finally {
            spark.removeSparkListener(listener);
        }
    }

    /** {@return the progress line of a sweep evaluating {@code seeds} plan groups} */
    static ProgressLine progressLine(SweepSpec spec, long seeds, PrintWriter progress, boolean live) {
        return new ProgressLine(progress, live, "[sweep] " + spec.name() + ": plan groups (gpus, tp, pp, cp) evaluated", seeds);
    }

    /**
     * Packs the seeds into {@code tasks} groups of about equal estimated work ({@code costs}, one per seed) (longest first, each into the
     * lightest group), heaviest group first so that the executors start on the long tasks: seeds differ in
     * cost by hundreds of times (a 32-stage pipeline plays 1,536 micro-batches), and dealing them round-robin
     * leaves one core finishing alone. Deterministic: ties keep the space's order.
     */
    static List<List<PlanSpace.Seed>> balance(List<PlanSpace.Seed> seeds, double[] costs, int tasks) {
        record Weighted(PlanSpace.Seed seed, double cost, int index) {}
        List<Weighted> weighted = new ArrayList<>();
        for (int i = 0; i < seeds.size(); i++) weighted.add(new Weighted(seeds.get(i), costs[i], i));
        weighted.sort(java.util.Comparator.comparingDouble(Weighted::cost).reversed().thenComparingInt(Weighted::index));
        List<List<PlanSpace.Seed>> groups = new ArrayList<>();
        double[] load = new double[tasks];
        for (int t = 0; t < tasks; t++) groups.add(new ArrayList<>());
        for (Weighted w : weighted) {
            int lightest = 0;
            for (int t = 1; t < tasks; t++) if (load[t] < load[lightest]) lightest = t;
            groups.get(lightest).add(w.seed());
            load[lightest] += w.cost();
        }
        Integer[] byLoad = new Integer[tasks];
        for (int t = 0; t < tasks; t++) byLoad[t] = t;
        java.util.Arrays.sort(byLoad, (a, b) -> Double.compare(load[b], load[a]));
        List<List<PlanSpace.Seed>> ordered = new ArrayList<>();
        for (int t : byLoad) ordered.add(List.copyOf(groups.get(t)));
        return ordered;
    }

    /** Counts the plan groups of each finished evaluation task (a task is one balanced group, its index the partition). */
    static final class Progress extends SparkListener {
        private final ProgressLine line;
        private final int[] groupSizes;
        private final boolean[] counted;
        private long done;

        Progress(ProgressLine line, int[] groupSizes) {
            this.line = line;
            this.groupSizes = groupSizes;
            this.counted = new boolean[groupSizes.length];
        }

        @Override
        public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
            int index = end.taskInfo().index();
            if (index < 0 || index >= groupSizes.length || counted[index] || !end.taskInfo().successful()) return;
            counted[index] = true;
            done += groupSizes[index];
            line.update(done);
        }
    }
}

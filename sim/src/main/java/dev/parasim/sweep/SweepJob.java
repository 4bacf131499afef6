package dev.parasim.sweep;

import dev.parasim.spec.load.SweepLoader;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sweep as a Spark job: seeds (GPU count × tp × pp × cp) are spread over tasks, each task parses
 * the sweep spec once and evaluates its seeds' plans with the accountant and the timeline, and the
 * results become one DataFrame that Spark SQL ranks (see {@link SweepQueries}).
 */
public final class SweepJob {
    private SweepJob() {}

    /** The evaluated space: every plan row (ok and oom) and the rejected candidates' counts, cached. */
    public record Outcome(SweepSpec spec, Dataset<Row> results, long seeds, int tasks) {}

    public static Outcome run(SparkSession spark, String sweepYaml, List<String> overrides, PrintWriter progress) {
        SweepSpec spec = SweepLoader.parse(sweepYaml, overrides);
        List<PlanSpace.Seed> seeds = PlanSpace.seeds(spec);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int tasks = Math.max(1, Math.min(seeds.size(), 4 * jsc.defaultParallelism()));
        // Spread heavy seeds (deep pipelines, many micro-batches) evenly: deal them round-robin into the tasks.
        List<PlanSpace.Seed> dealt = new ArrayList<>();
        for (int t = 0; t < tasks; t++) for (int i = t; i < seeds.size(); i += tasks) dealt.add(seeds.get(i));
        String yaml = sweepYaml;
        List<String> sets = List.copyOf(overrides);
        JavaRDD<Row> rows = jsc.parallelize(dealt, tasks).mapPartitions(it -> {
            PlanEvaluator evaluator = new PlanEvaluator(SweepLoader.parse(yaml, sets));
            List<Row> out = new ArrayList<>();
            while (it.hasNext()) evaluator.evaluate(it.next(), r -> out.add(SweepRows.row(r)));
            return out.iterator();
        });
        Progress listener = new Progress(progress, tasks);
        spark.sparkContext().addSparkListener(listener);
        try {
            Dataset<Row> results = spark.createDataFrame(rows, SweepRows.SCHEMA).cache();
            results.count();
            return new Outcome(spec, results, seeds.size(), tasks);
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
    }

    /** Prints a line each time a tenth of the evaluation tasks has finished. */
    static final class Progress extends SparkListener {
        private final PrintWriter out;
        private final int tasks;
        private final AtomicInteger done = new AtomicInteger();
        private final long start = System.nanoTime();

        Progress(PrintWriter out, int tasks) {
            this.out = out;
            this.tasks = tasks;
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            int n = done.incrementAndGet();
            if (n <= tasks && (n == tasks || n % Math.max(1, tasks / 10) == 0)) {
                out.printf(Locale.ROOT, "[sweep] %d/%d tasks done (%.1f s)%n", n, tasks, (System.nanoTime() - start) / 1e9);
                out.flush();
            }
        }
    }
}

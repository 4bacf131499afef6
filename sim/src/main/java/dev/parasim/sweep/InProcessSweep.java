package dev.parasim.sweep;

import dev.parasim.report.ProgressLine;
import org.apache.spark.sql.Row;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A kept sweep evaluated on this JVM's threads instead of in a Spark job: the same balanced tasks
 * ({@link SweepJob#balance}, as many as {@link SweepJob#run} makes for that many cores), each running the same body
 * ({@link SweepJob#evaluate}), their rows joined in task order, so every answer, CSV, chart and report is byte for byte
 * the one the Spark job gives. For a local master it is the same work on the same cores without the Spark context: in a
 * cold JVM on 2 cores that context took 4 s to start (while its class loading and the evaluation's JIT compilation
 * shared the cores) and its first job another 0.8 s, against a few seconds for a whole bundled sweep. {@code sim sweep}
 * picks it for a local master and a sweep small enough for the driver ({@link SweepJob.Prepared#small}), unless Spark
 * is needed ({@code --parquet}, {@code --spark-sql}, {@code --stream}) or asked for ({@code --engine spark}).
 */
public final class InProcessSweep {
    private InProcessSweep() {}

    /** {@return the evaluated sweep, its rows on the driver}; {@code threads} evaluate at once, a task's failure is rethrown */
    public static SweepJob.Outcome run(SweepJob.Prepared sweep, int threads, PrintWriter progress, boolean live) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, found " + threads);
        List<PlanSpace.Seed> seeds = sweep.seeds();
        List<List<PlanSpace.Seed>> balanced = SweepJob.balance(seeds, sweep.costs(), SweepJob.tasks(seeds.size(), SweepJob.KEPT_TASKS_PER_CORE, threads));
        ProgressLine line = SweepJob.progressLine(sweep.spec(), seeds.size(), progress, live);
        // The charts' classes load beside the evaluation (-0.3 to -0.8 s of charts, measured cold on 2 cores).
        Thread charts = new Thread(() -> {
            try {
                SweepCharts.warmUp();
            } catch (RuntimeException e) {
                // Nothing to report here: drawing the sweep's own charts meets the same failure and reports it.
            }
        }, "charts-warm-up");
        charts.setDaemon(true);
        charts.start();
        AtomicInteger started = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, task -> {
            Thread t = new Thread(task, "sweep-evaluate-" + started.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            AtomicLong done = new AtomicLong();
            List<Future<byte[]>> blocks = new ArrayList<>();
            for (List<PlanSpace.Seed> group : balanced)       // heaviest first, as Spark schedules them
                blocks.add(pool.submit(() -> {
                    byte[] block = SweepJob.evaluate(sweep.yaml(), sweep.overrides(), group);
                    line.update(done.addAndGet(group.size()));
                    return block;
                }));
            List<Row> kept = new ArrayList<>();
            for (Future<byte[]> block : blocks) kept.addAll(SweepRows.decode(result(block)));
            line.finish(String.format(Locale.ROOT, "[sweep] %s: %d plan groups evaluated in %d tasks on %d threads of this JVM "
                    + "(no Spark job), %.1f s", sweep.spec().name(), seeds.size(), balanced.size(), threads, line.seconds()));
            return new SweepJob.Outcome(sweep.spec(), (SweepJob.Frame) null, seeds.size(), balanced.size(), null,
                    Collections.unmodifiableList(kept));
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] result(Future<byte[]> block) {
        try {
            return block.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while evaluating the sweep", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }
}

package dev.parasim.cli;

import dev.parasim.spark.SparkSessions;
import dev.parasim.sweep.DriverHeap;
import dev.parasim.sweep.PhaseTimes;
import dev.parasim.sweep.SweepJob;
import dev.parasim.sweep.SweepOutput;
import dev.parasim.sweep.SweepResult;
import org.apache.spark.SparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** {@code sim sweep}: every plan of a search space, evaluated as a Spark job and ranked (on the driver when small, else Spark SQL). */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Evaluate a plan space (closed form + timeline) as a Spark job; write CSV, charts and report.md "
                + "(and Parquet with --parquet).")
public final class SweepCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SWEEP", description = "sweep YAML file")
    Path sweep;

    @Option(names = "--set", paramLabel = "PATH=VALUE", description = "override a spec value")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--out", description = "output directory (default: out)")
    Path out = Path.of("out");

    @Option(names = "--master", description = "Spark master URL (default: local[*], or spark-submit's)")
    String master;

    @Option(names = "--date", paramLabel = "INSTANT", description = ReportDate.DESCRIPTION)
    String date;

    @Option(names = "--timings", description = "print the wall-clock seconds of each phase to stderr")
    boolean timings;

    @Option(names = "--parquet", description = "also write every evaluated plan as plans.parquet (a Spark SQL job: "
            + "seconds in a cold JVM; plans.csv holds the same rows, or for a streamed sweep the fastest per GPU count, "
            + "whose Parquet the executors write while they evaluate)")
    boolean parquet;

    @Option(names = "--spark-sql", description = "rank with Spark SQL even when the sweep is small enough for the driver")
    boolean sparkSql;

    @Option(names = "--engine", paramLabel = "ENGINE", description = "auto (default), spark or in-process: what evaluates "
            + "the plans. auto runs a sweep small enough for the driver on this JVM's threads when the master is local and "
            + "neither --parquet, --spark-sql nor --stream asks for Spark (same output, without a Spark context's start), "
            + "else a Spark job")
    String engine = "auto";

    @Option(names = "--stream", description = "stream even a sweep small enough for the driver (larger ones always stream): "
            + "answers folded where plans are evaluated, no rows kept, plans.csv the fastest per GPU count")
    boolean stream;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PhaseTimes times = new PhaseTimes();
        DriverHeap heap = new DriverHeap();
        String yaml = dev.parasim.spec.load.SweepLoader.read(sweep);
        dev.parasim.spec.load.SweepLoader.parse(yaml, sweep.toString(), overrides);   // fail fast, before any Spark job
        Instant date = ReportDate.clock(this.date).instant();
        if (stream && sparkSql) throw new dev.parasim.spec.SpecException("--stream", "must not be combined with --spark-sql", "--spark-sql");
        OutDir.check(out);
        dev.parasim.spark.SparkSessions.checkMaster(master);
        PrintWriter progress = spec.commandLine().getErr();
        boolean inProcessAllowed = inProcessAllowed();
        times.lap("parse");
        boolean live = dev.parasim.report.ProgressLine.terminal();
        if (inProcessAllowed) {
            SweepJob.Prepared prepared = SweepJob.Prepared.of(yaml, overrides);
            times.lap("seeds + estimates");
            boolean small = prepared.small();   // enumerates the space: once
            if (small) {
                int threads = SparkSessions.localThreads(master);
                return finish(dev.parasim.sweep.InProcessSweep.run(prepared, threads, progress, live), null, yaml, date, times, heap,
                        progress, "evaluate (in-process)");
            }
            if (engine.equals(IN_PROCESS))
                throw new dev.parasim.spec.SpecException("--engine", "in-process needs a sweep small enough for the driver (at most "
                        + SweepJob.DRIVER_CANDIDATES + " candidates)", dev.parasim.sweep.PlanSpace.distinct(prepared.spec()) + " candidates");
            return spark(CompletableFuture.completedFuture(SparkSessions.context(master)), prepared, false, yaml, date, times, heap,
                    progress, live);
        }
        // Spark starts (seconds of class loading in a cold JVM) while this thread estimates the seeds' work. Only its
        // context: the sweep's jobs are RDD jobs, and a session is built on it if Spark SQL is asked for.
        CompletableFuture<SparkContext> starting = CompletableFuture.supplyAsync(() -> SparkSessions.context(master),
                task -> new Thread(task, "spark-start").start());
        SweepJob.Prepared prepared = SweepJob.Prepared.of(yaml, overrides);
        boolean small = prepared.small();
        times.lap("seeds + estimates");
        return spark(starting, prepared, small, yaml, date, times, heap, progress, live);
    }

    static final String IN_PROCESS = "in-process";

    /**
     * {@return whether this sweep may run in-process}: {@code --engine} auto or in-process, a local master, and no flag that
     * needs Spark; a {@link dev.parasim.spec.SpecException} when {@code --engine in-process} meets one that does
     */
    private boolean inProcessAllowed() {
        if (!List.of("auto", "spark", IN_PROCESS).contains(engine))
            throw new dev.parasim.spec.SpecException("--engine", "must be auto, spark or in-process", engine);
        if (engine.equals("spark")) return false;
        String needsSpark = !SparkSessions.local(master) ? "--master " + (master == null ? System.getProperty("spark.master") : master)
                : parquet ? "--parquet" : sparkSql ? "--spark-sql" : stream ? "--stream" : null;
        if (needsSpark != null && engine.equals(IN_PROCESS))
            throw new dev.parasim.spec.SpecException("--engine", "in-process needs a local master and none of --parquet, --spark-sql, --stream",
                    needsSpark);
        if (needsSpark == null && SparkSessions.localThreads(master) < 1)
            throw new dev.parasim.spec.SpecException("--master", "must run at least one task at once", master);
        return needsSpark == null;
    }

    /**
     * Runs the prepared sweep as Spark jobs on the context {@code starting} gives (warming this JVM up while it starts);
     * {@code small}: {@link SweepJob.Prepared#small}, computed once by the caller
     */
    private Integer spark(CompletableFuture<SparkContext> starting, SweepJob.Prepared prepared, boolean small, String yaml,
                          Instant date, PhaseTimes times, DriverHeap heap, PrintWriter progress, boolean live) throws IOException {
        if (SparkSessions.local(master)) {
            prepared.warmUp(starting::isDone);
            times.lap("warm-up (while Spark starts)");
        }
        SparkContext spark = started(starting);
        times.lap("spark context (rest)");
        // Small sweeps bring their rows to the driver; large ones stream (bounded answers, no rows kept) unless --spark-sql.
        boolean streams = (stream || !small) && !sparkSql;
        // A streamed sweep's Parquet is written by its executors while they evaluate, next to the output, then moved in.
        Path staged = streams && parquet ? java.nio.file.Files.createTempDirectory(java.nio.file.Files.createDirectories(out.toAbsolutePath()),
                "." + prepared.spec().name() + ".parquet-") : null;
        Path streamedParquet = staged == null ? null : staged.resolve("plans.parquet");
        try {
            return finish(streams
                    ? SweepJob.stream(spark, prepared, progress, live, streamedParquet)
                    : SweepJob.run(spark, prepared, progress, live, !sparkSql && small),
                    streamedParquet, yaml, date, times, heap, progress, null);
        } finally {
            if (staged != null) dev.parasim.report.OutputDirectory.deleteTree(staged);
        }
    }

    /** Answers, writes and prints a sweep that ran. */
    private Integer finish(SweepJob.Outcome outcome, Path streamedParquet,
                           String yaml, Instant date, PhaseTimes times, DriverHeap heap, PrintWriter progress, String evaluated)
            throws IOException {
        times.lap(evaluated != null ? evaluated : outcome.streamed() ? "evaluate + fold (Spark, streamed)"
                : outcome.onDriver() ? "evaluate + collect (Spark)" : "evaluate (Spark)");
        SweepOutput.Tables tables = SweepOutput.Tables.of(outcome);
        times.lap(outcome.streamed() ? "answers (merged summaries)" : outcome.onDriver() ? "answers (driver, one pass)" : "answers (Spark SQL)");
        Path dir = SweepOutput.write(out, outcome, tables, yaml, date, parquet, times, streamedParquet);
        outcome.release();
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "%s: %d plans fit, %d do not fit, %d candidates rejected by rule%n", outcome.spec().name(),
                tables.count(SweepResult.OK), tables.count(SweepResult.OOM), tables.count(SweepResult.INVALID));
        tables.best().forEach(r -> o.printf(Locale.ROOT, "  best on %d GPUs: %s  %.1f%% MFU, %.0f tokens/s, %.1f GB%n",
                (int) r.getAs("gpus"), r.getAs("plan"), 100 * (double) r.getAs("mfu"), (double) r.getAs("tokensPerSecond"),
                (long) r.getAs("peakBytes") / 1e9));
        o.println("report: " + dir.resolve("report.md"));
        o.flush();
        heap.close();
        if (outcome.streamed() || timings) {
            progress.printf(Locale.ROOT, "[sweep] %s: %s; %d candidates %s%n", outcome.spec().name(), heap.summary(),
                    tables.count(SweepResult.OK) + tables.count(SweepResult.OOM) + tables.count(SweepResult.INVALID),
                    outcome.streamed() ? "streamed (no row kept)" : "with their rows kept");
            progress.flush();
        }
        if (timings) {
            times.lap("summary");
            progress.print(times.summary());
            progress.flush();
        }
        return 0;
    }

    /** {@return the started context}; its failure is rethrown unwrapped (a {@code SparkFailure}) */
    static <T> T started(CompletableFuture<T> starting) {
        try {
            return starting.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }
}

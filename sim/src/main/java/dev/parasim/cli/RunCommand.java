package dev.parasim.cli;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.ExecLimits;
import dev.parasim.exec.NotExecutable;
import dev.parasim.exec.MemoryReport;
import dev.parasim.exec.spark.ExecutedRun;
import dev.parasim.report.ExecutedJson;
import dev.parasim.output.Json;
import dev.parasim.report.PredictionJson;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.load.SpecLoader;
import dev.parasim.spark.SparkSessions;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.parasim.report.PredictionTable;
import dev.parasim.report.ProgressLine;
import dev.parasim.report.ReportWriter;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sim run}: the main job. For each experiment it predicts every plan, plays it on the timeline,
 * executes it on Spark with the small GPT when the experiment has an {@code execute: {steps, seed}} block
 * (printing per plan the loss curve, bytes per collective and memory per category), and writes the report
 * (results, charts, traces, report.md and report.html) to {@code --out}. {@code --json} prints the predict
 * document with an {@code executed} block per plan.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Predict, play and (with an execute block) execute each plan on Spark; write the report.")
public final class RunCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "EXPERIMENT", description = "experiment YAML files")
    List<Path> experiments;

    @Option(names = "--set", paramLabel = "PATH=VALUE", description = "override a spec value, e.g. execute.steps=5")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--out", description = "report directory (default: out); each experiment writes OUT/<name>/")
    Path out = Path.of("out");

    @Option(names = "--date", paramLabel = "INSTANT",
            description = ReportDate.DESCRIPTION)
    String date;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (default: spark-submit's, else embedded local[*])")
    String master;

    @Option(names = "--ranks-per-partition", paramLabel = "N", defaultValue = "0",
            description = "simulated ranks per Spark partition (default: dp / cores, rounded up)")
    int ranksPerPartition;

    @Option(names = "--json", description = "print one JSON document: the predict fields plus executed: {...} per plan")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws java.io.IOException {
        // Every input is checked before any Spark job starts or any file is written, and every problem reported.
        List<Experiment> loaded = new ArrayList<>();
        List<SpecException> problems = new ArrayList<>();
        List<NotExecutable> refused = new ArrayList<>();
        for (Path file : experiments) {
            try {
                Experiment e = SpecLoader.load(file, overrides);
                loaded.add(e);
                if (e.execute().isPresent())
                    for (ParallelPlan plan : e.plans()) {
                        try {
                            ExecLimits.check(e, plan);
                        } catch (NotExecutable limit) {
                            refused.add(limit);
                        } catch (SpecException bad) {
                            problems.add(bad);
                        }
                    }
            } catch (SpecException bad) {
                problems.add(bad);
            }
        }
        // A malformed input is reported first (exit 2); only a well-formed one is refused for what the executor runs (exit 6).
        if (!problems.isEmpty()) throw SpecException.all(problems);
        if (!refused.isEmpty()) throw NotExecutable.all(refused);
        if (json && loaded.size() != 1) throw new SpecException("--json", "needs exactly one experiment", loaded.size());
        Clock clock = ReportDate.clock(date);
        OutDir.check(out);
        dev.parasim.spark.SparkSessions.checkMaster(master);
        if (ranksPerPartition < 0)
            throw new SpecException("--ranks-per-partition", "must be 0 (dp / cores) or positive", ranksPerPartition);
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        boolean live = ProgressLine.terminal();
        boolean executes = loaded.stream().anyMatch(e -> e.execute().isPresent());
        // Spark starts (seconds of class loading in a cold JVM) while the experiments before the first executed one are
        // predicted and reported. Only its context: executed runs are RDD jobs, and a session cost about 2.5 s more.
        CompletableFuture<Started> starting = !executes ? null
                : CompletableFuture.supplyAsync(() -> Started.of(master), task -> new Thread(task, "spark-start").start());
        if (executes) dev.parasim.exec.Execution.loadBackendInBackground();
        try {
            for (Experiment e : loaded) {
                List<ExecutedResult> results = new ArrayList<>();
                SparkContext spark = e.execute().isPresent() ? SweepCommand.started(starting).context() : null;
                if (e.execute().isPresent())
                    for (ParallelPlan plan : e.plans()) {
                        String label = String.format(Locale.ROOT, "[run] %s: plan %s (dp %d, tp %d, pp %d) supersteps", e.name(),
                                plan.name(), plan.dp(), plan.tp(), plan.pp());
                        ProgressLine[] line = {null};
                        ExecutedResult r = ExecutedRun.run(spark, e, plan, new ExecutedRun.Options(ranksPerPartition, true,
                                (done, total) -> {
                                    if (line[0] == null) line[0] = new ProgressLine(err, live, label, total);
                                    line[0].update(done, total);
                                }));
                        String summary = String.format(Locale.ROOT, "[run] %s: plan %s (dp %d, tp %d, pp %d) executed: %d steps, "
                                + "%d supersteps each (%d through Spark, the rest in the task before), %.1f s (%.1f ms per superstep)", e.name(),
                                plan.name(), plan.dp(), plan.tp(), plan.pp(), e.execute().get().steps(), r.superstepsPerStep(),
                                r.roundsPerStep(), r.seconds(), msPerSuperstep(r, e.execute().get().steps()));
                        if (line[0] != null) line[0].finish(summary);
                        else err.println(summary);
                        err.flush();
                        results.add(r);
                    }
                Map<String, Map<String, Object>> executed = new LinkedHashMap<>();
                Map<String, dev.parasim.timeline.Timeline> replayed = new LinkedHashMap<>();
                for (int i = 0; i < results.size(); i++) {
                    ExecutedResult r = results.get(i);
                    executed.put(r.plan(), ExecutedJson.executed(r, predictedStage(e, i)));
                    replayed.put(r.plan(), dev.parasim.timeline.ExecutedReplay.of(e, e.plans().get(i), r.eventsByRank()));
                }
                ReportWriter.Input predicted = ReportWriter.Input.predict(e, true);
                Path report = new ReportWriter(clock, err, live).write(out, new ReportWriter.Input(e, predicted.predictions(),
                        predicted.timelines(), executed, predicted.traces(), replayed));
                if (json) {
                    stdout.println(Json.write(document(e, results)));
                } else {
                    if (results.isEmpty()) stdout.print(PredictionTable.render(e, predicted.predictions()));
                    for (ExecutedResult r : results) stdout.print(table(r));
                    stdout.println("report: " + report.resolve("report.html"));
                }
                stdout.flush();
            }
            return 0;
        } finally {
            if (starting != null) {
                try {
                    Started started = starting.join();
                    if (started.owned()) started.context().stop();
                } catch (java.util.concurrent.CompletionException failedToStart) {
                    // Nothing to stop; the failure was reported where the context was first needed, or this run failed first.
                }
            }
        }
    }

    /** The SparkContext a run executes on, and whether this run started it (and so stops it). */
    record Started(SparkContext context, boolean owned) {
        /** {@return the default session's context when one is running (a notebook's, a test's), else a new one for {@code master}} */
        static Started of(String master) {
            if (SparkSession.getDefaultSession().isDefined()) return new Started(SparkSession.getDefaultSession().get().sparkContext(), false);
            return new Started(SparkSessions.context(master), true);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> document(Experiment e, List<ExecutedResult> results) {
        List<PlanPrediction> predictions = Accountant.predict(e);
        Map<String, Object> doc = PredictionJson.document(e, predictions);
        List<Map<String, Object>> plans = (List<Map<String, Object>>) doc.get("plans");
        for (int i = 0; i < results.size(); i++)
            plans.get(i).put("executed", ExecutedJson.executed(results.get(i), predictions.get(i).memory().stage()));
        return doc;
    }

    /** {@return the pipeline stage whose memory the prediction of plan i describes (its worst stage)} */
    private static int predictedStage(Experiment e, int i) {
        return Accountant.predict(e, e.plans().get(i)).memory().stage();
    }

    /** {@return the wall-clock milliseconds of one superstep, averaged over the run (steps · supersteps per step)} */
    static double msPerSuperstep(ExecutedResult r, int steps) {
        return 1e3 * r.seconds() / Math.max(1, (long) steps * r.superstepsPerStep());
    }

    static String table(ExecutedResult r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "plan %s: dp %d, %s, %d micro-batches/rank, %d partitions × %d ranks, %d supersteps/step"
                        + " (%d through the transport), %.1f s%n",
                r.plan(), r.dp(), r.precision().name().toLowerCase(Locale.ROOT).replace('_', '-'), r.microBatches(),
                r.partitions(), r.ranksPerPartition(), r.superstepsPerStep(), r.roundsPerStep(), r.seconds()));
        if (r.pp() > 1) {
            b.append(String.format(Locale.ROOT, "  pipeline: pp %d; per stage (its first rank) in-flight micro-batch chunks / activation bytes held / peak:", r.pp()));
            for (dev.parasim.exec.RankDetail d : r.ranks())
                if (d.dpIndex() == 0 && d.tpIndex() == 0)
                    b.append(String.format(Locale.ROOT, " [%d] %d / %,d / %,d", d.stage(), d.maxInFlight(), d.residentActivationBytes(),
                            d.memory().peak(dev.parasim.exec.MemCategory.ACTIVATIONS)));
            b.append(System.lineSeparator());
        }
        b.append("  loss       ");
        for (double l : r.losses()) b.append(String.format(Locale.ROOT, " %.6f", l));
        b.append(System.lineSeparator()).append("  single rank");
        for (double l : r.singleRankLosses()) b.append(String.format(Locale.ROOT, " %.6f", l));
        b.append(String.format(Locale.ROOT, "   (max param diff %.3g)%n", r.maxRelativeParamDiffVsSingleRank()));
        b.append(String.format(Locale.ROOT, "  bytes/GPU/step %,d", r.bytesPerGpu()));
        if (!r.byCollective().isEmpty()) {
            b.append(":");
            r.byCollective().forEach((k, v) -> b.append(String.format(Locale.ROOT, " %s %,d", k, v)));
            b.append("; by tier (max over ranks):");
            r.byTier().forEach((k, v) -> b.append(String.format(Locale.ROOT, " %s %,d", k, v)));
        }
        b.append(String.format(Locale.ROOT, "%n  cross-partition %,d B/step, Spark shuffle-write %,d B/step%n",
                r.crossPartitionBytes(), r.sparkShuffleBytes()));
        MemoryReport m = r.memory();
        b.append(String.format(Locale.ROOT,
                "  memory/rank: params %,d  grads %,d  optimizer %,d  activations(peak) %,d  commBuffers(peak) %,d  peak %,d B%n",
                m.paramsBytes(), m.gradsBytes(), m.optimizerBytes(), m.activationsBytes(), m.commBuffersBytes(), m.peakBytes()));
        return b.toString();
    }
}

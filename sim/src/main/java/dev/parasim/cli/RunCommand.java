package dev.parasim.cli;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.MemoryReport;
import dev.parasim.exec.spark.ExecutedRun;
import dev.parasim.report.ExecutedJson;
import dev.parasim.report.Json;
import dev.parasim.report.PredictionJson;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.load.SpecLoader;
import dev.parasim.spark.SparkSessions;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sim run}: executes every plan of an experiment on Spark with the small GPT (needs an
 * {@code execute: {steps, seed}} block), printing per plan the loss curve, bytes per collective and
 * memory per category; {@code --json} prints the predict document with an {@code executed} block per plan.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Execute each plan for real on Spark (small GPT): losses, bytes per collective, memory.")
public final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "EXPERIMENT", description = "experiment YAML file with an execute block")
    Path experiment;

    @Option(names = "--set", paramLabel = "PATH=VALUE", description = "override a spec value, e.g. execute.steps=5")
    List<String> overrides = new ArrayList<>();

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
    public Integer call() {
        Experiment e = SpecLoader.load(experiment, overrides);
        if (e.execute().isEmpty())
            throw new SpecException("execute", "is required by sim run (execute: {steps, seed})", null);
        SparkSession existing = SparkSession.getDefaultSession().isDefined() ? SparkSession.getDefaultSession().get() : null;
        SparkSession spark = existing != null ? existing : SparkSessions.get(master);
        try {
            List<ExecutedResult> results = new ArrayList<>();
            for (ParallelPlan plan : e.plans())
                results.add(ExecutedRun.run(spark, e, plan, new ExecutedRun.Options(ranksPerPartition, true)));
            PrintWriter out = spec.commandLine().getOut();
            if (json) out.println(Json.write(document(e, results)));
            else for (ExecutedResult r : results) out.print(table(r));
            out.flush();
            return 0;
        } finally {
            if (existing == null) spark.stop();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> document(Experiment e, List<ExecutedResult> results) {
        List<PlanPrediction> predictions = Accountant.predict(e);
        Map<String, Object> doc = PredictionJson.document(e, predictions);
        List<Map<String, Object>> plans = (List<Map<String, Object>>) doc.get("plans");
        for (int i = 0; i < plans.size(); i++) plans.get(i).put("executed", ExecutedJson.executed(results.get(i)));
        return doc;
    }

    static String table(ExecutedResult r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "plan %s: dp %d, %s, %d micro-batches/rank, %d partitions × %d ranks, %d supersteps/step, %.1f s%n",
                r.plan(), r.dp(), r.precision().name().toLowerCase(Locale.ROOT).replace('_', '-'), r.microBatches(),
                r.partitions(), r.ranksPerPartition(), r.superstepsPerStep(), r.seconds()));
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

package dev.parasim.kernel;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.spark.ExecutedRun;
import dev.parasim.report.chart.CommChart;
import dev.parasim.report.chart.MemoryChart;
import dev.parasim.spark.SparkSessions;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.load.SpecLoader;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Short names for what every notebook does with ParaSim's API: load an experiment (YAML text or a file,
 * with {@code --set}-style what-ifs), predict its plans with the accountant, show memory and bytes as tables
 * and ParaSim's charts, and execute a plan on the notebook's one embedded Spark session.
 */
public final class Notebook {
    private Notebook() {}

    /** Collectives in the order ParaSim's report lists them. */
    public static final List<CollectiveKind> COLLECTIVES = List.of(CollectiveKind.ALL_REDUCE, CollectiveKind.REDUCE_SCATTER,
            CollectiveKind.ALL_GATHER, CollectiveKind.SEND_RECV, CollectiveKind.ALL_TO_ALL);

    /** {@return the experiment in {@code yaml}, with what-ifs such as {@code "plans[0].tp=4"}} */
    public static Experiment experiment(String yaml, String... overrides) {
        return SpecLoader.parse(yaml, List.of(overrides));
    }

    /** {@return the experiment in the YAML file {@code path}, with what-ifs} */
    public static Experiment load(String path, String... overrides) {
        return SpecLoader.load(Path.of(path), List.of(overrides));
    }

    /** {@return the accountant's prediction for every plan, in the file's order} */
    public static List<PlanPrediction> predict(Experiment e) { return Accountant.predict(e); }

    /** {@return the prediction of the plan named {@code plan}} */
    public static PlanPrediction predict(Experiment e, String plan) { return Accountant.predict(e, plan(e, plan)); }

    /** {@return the plan named {@code name}} */
    public static ParallelPlan plan(Experiment e, String name) {
        return e.plans().stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no plan named " + name));
    }

    /** {@return bytes as GB (10⁹ B) with two decimals, as ParaSim's tables print them} */
    public static String gb(long bytes) { return String.format(Locale.ROOT, "%.2f", bytes / 1e9); }

    /** Shows memory per GPU by component (GB) for each plan. */
    public static void memoryTable(List<PlanPrediction> predictions) {
        List<List<?>> rows = new ArrayList<>();
        for (PlanPrediction p : predictions) {
            var m = p.memory();
            rows.add(List.of(p.plan().name(), gb(m.paramsBytes()), gb(m.gradsBytes()), gb(m.optimizerBytes()),
                    gb(m.activationsBytes()), gb(m.otherBytes()), gb(m.peakBytes()), m.fits() ? "yes" : "NO"));
        }
        Display.table(List.of("plan", "params GB", "grads GB", "optimizer GB", "activations GB", "other GB", "peak GB", "fits"), rows);
    }

    /** Shows bytes sent per GPU per step by collective (GB) for each plan. */
    public static void commTable(List<PlanPrediction> predictions) {
        List<String> header = new ArrayList<>(List.of("plan"));
        for (CollectiveKind k : COLLECTIVES) header.add(k.label() + " GB");
        header.add("total GB/GPU");
        List<List<?>> rows = new ArrayList<>();
        for (PlanPrediction p : predictions) {
            List<Object> row = new ArrayList<>(List.of(p.plan().name()));
            for (CollectiveKind k : COLLECTIVES) row.add(gb(p.comm().bytes(k)));
            row.add(gb(p.comm().bytesPerGpu()));
            rows.add(row);
        }
        Display.table(header, rows);
    }

    /** Shows ParaSim's memory chart (stacked components, capacity line) for the plans. */
    public static void memoryChart(String title, List<PlanPrediction> predictions) throws IOException {
        Display.chart(MemoryChart.of(title, predictions.stream().map(p -> new MemoryChart.Bar(p.plan().name(),
                p.memory().paramsBytes(), p.memory().gradsBytes(), p.memory().optimizerBytes(),
                p.memory().activationsBytes(), p.memory().otherBytes(), p.memory().capacityBytes())).toList()), 900, 500);
    }

    /** Shows ParaSim's bytes-by-collective chart for the plans. */
    public static void commChart(String title, List<PlanPrediction> predictions) throws IOException {
        Display.chart(CommChart.byCollective(title, predictions.stream().map(p -> {
            Map<String, Long> bytes = new LinkedHashMap<>();
            for (CollectiveKind k : COLLECTIVES) bytes.put(k.label(), p.comm().bytes(k));
            return new CommChart.Bar(p.plan().name(), bytes, p.fits());
        }).toList()), 900, 500);
    }

    /** {@return the notebook's embedded Spark session (local[2]); the first call starts it, later ones reuse it} */
    public static synchronized SparkSession spark() { return SparkSessions.get("local[2]"); }

    /** {@return the plan named {@code plan} executed on Spark} */
    public static ExecutedResult run(Experiment e, String plan) {
        return ExecutedRun.run(spark().sparkContext(), e, plan(e, plan), new ExecutedRun.Options(0, false));
    }

    /** {@return the plan executed on Spark and also trained on one rank, for comparing weights and losses} */
    public static ExecutedResult runWithReference(Experiment e, String plan) {
        return ExecutedRun.run(spark().sparkContext(), e, plan(e, plan), ExecutedRun.Options.DEFAULT);
    }

    /** Shows, per collective, the bytes the busiest rank sent in the executed run beside the accountant's. */
    public static void compare(ExecutedResult executed, PlanPrediction predicted) {
        List<List<?>> rows = new ArrayList<>();
        for (CollectiveKind k : COLLECTIVES) {
            long run = executed.byCollective().getOrDefault(k.label(), 0L), model = predicted.comm().bytes(k);
            if (run != 0 || model != 0) rows.add(List.of(k.label(), model, run));
        }
        rows.add(List.of("total", predicted.comm().bytesPerGpu(), executed.bytesPerGpu()));
        rows.add(List.of("params B", predicted.memory().paramsBytes(), executed.memory().paramsBytes()));
        rows.add(List.of("grads B", predicted.memory().gradsBytes(), executed.memory().gradsBytes()));
        rows.add(List.of("optimizer B", predicted.memory().optimizerBytes(), executed.memory().optimizerBytes()));
        Display.table(List.of(executed.plan() + ": bytes per GPU per step", "predicted", "executed"), rows);
    }
}

package dev.parasim.report;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.output.BuildVersion;
import dev.parasim.output.Json;
import dev.parasim.report.chart.ChartFiles;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.timeline.ChromeTrace;
import dev.parasim.timeline.Timeline;
import dev.parasim.timeline.Timelines;
import org.jfree.chart.JFreeChart;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one experiment's report into {@code DIR/<experiment name>/}: results.json and results.csv, every
 * chart as PNG and SVG under charts/, traces/ when traces are given, report.md and report.html. Everything
 * is written into a temporary sibling directory first and renamed into place at the end (replacing an
 * older report of the same experiment), so a failure leaves the previous state untouched. Progress goes to the
 * progress writer as one {@link ProgressLine} ({@code [report] NAME: files 40/172}) and a summary line.
 *
 * <pre>{@code
 * // sim report: predictions, timelines and traces
 * new ReportWriter(Clock.systemUTC(), err).write(out, ReportWriter.Input.predict(experiment, true));
 * // a run that executed plans adds what it counted, keyed by plan name (fields named as in results.json)
 * new ReportWriter(clock, err).write(out, new ReportWriter.Input(experiment, predictions, timelines,
 *         Map.of("zero1", Map.of("bytesPerGpu", 123456L, "memory", Map.of("peakBytes", 789L))), traces));
 * }</pre>
 */
public final class ReportWriter {
    /**
     * What a report shows. Timelines, executed fields and traces are keyed by plan name and may be empty.
     *
     * @param executed plan → fields counted by the executor (e.g. bytesPerGpu, byCollective, memory), compared with the prediction
     * @param traces   plan → Chrome trace JSON, written to traces/&lt;plan&gt;.json
     * @param executedTimelines plan → the executed run's event log replayed on the timeline (one row per rank):
     *                 a Gantt and traces/&lt;plan&gt;-executed.json each
     */
    public record Input(Experiment experiment, List<PlanPrediction> predictions, Map<String, Timeline> timelines,
                        Map<String, Map<String, Object>> executed, Map<String, String> traces,
                        Map<String, Timeline> executedTimelines) {
        public Input {
            executedTimelines = executedTimelines == null ? Map.of() : new LinkedHashMap<>(executedTimelines);
            if (experiment == null) throw new IllegalArgumentException("experiment: is required");
            predictions = List.copyOf(predictions);
            if (predictions.isEmpty()) throw new IllegalArgumentException("predictions: must not be empty");
            timelines = timelines == null ? Map.of() : new LinkedHashMap<>(timelines);
            executed = executed == null ? Map.of() : new LinkedHashMap<>(executed);
            traces = traces == null ? Map.of() : new LinkedHashMap<>(traces);
        }

        /**
         * {@return every plan predicted by the accountant and, when {@code withTimelines}, played on the timeline
         * interpreter with its Chrome trace} (what {@code sim report} shows)
         */
        public static Input predict(Experiment experiment, boolean withTimelines) {
            Map<String, Timeline> timelines = new LinkedHashMap<>();
            Map<String, String> traces = new LinkedHashMap<>();
            if (withTimelines)
                for (ParallelPlan plan : experiment.plans()) {
                    Timeline t = Timelines.of(experiment, plan);
                    timelines.put(plan.name(), t);
                    traces.put(plan.name(), ChromeTrace.json(t));
                }
            return new Input(experiment, Accountant.predict(experiment), timelines, Map.of(), traces);
        }

        /** A report without executed timelines. */
        public Input(Experiment experiment, List<PlanPrediction> predictions, Map<String, Timeline> timelines,
                     Map<String, Map<String, Object>> executed, Map<String, String> traces) {
            this(experiment, predictions, timelines, executed, traces, Map.of());
        }

        /** {@return predictions only: no timelines, executed results or traces} */
        public static Input of(Experiment experiment, List<PlanPrediction> predictions) {
            return new Input(experiment, predictions, Map.of(), Map.of(), Map.of());
        }
    }

    /** Called before each file is written; tests use it to fail midway. */
    interface FileHook {
        void before(String relativePath) throws IOException;
    }

    private record Step(String path, IoAction action) {}

    private interface IoAction {
        void run(Path file) throws IOException;
    }

    private final Clock clock;
    private final PrintWriter progress;
    private final boolean live;
    private FileHook hook = path -> {};

    /** @param clock the report's date comes from here (pass a fixed clock for byte-identical reports) */
    public ReportWriter(Clock clock, PrintWriter progress) {
        this(clock, progress, false);
    }

    /** @param live progress as one line rewritten in place (a terminal, see {@link ProgressLine#terminal}) */
    public ReportWriter(Clock clock, PrintWriter progress, boolean live) {
        this.clock = clock;
        this.progress = progress;
        this.live = live;
    }

    ReportWriter withHook(FileHook hook) {
        this.hook = hook;
        return this;
    }

    /** {@return the report directory, {@code outDir/<experiment name>}}, written all or nothing ({@link OutputDirectory}) */
    public Path write(Path outDir, Input in) throws IOException {
        Experiment e = in.experiment();
        Provenance provenance = Provenance.of(e, BuildVersion.current(), Instant.now(clock));
        List<Step> steps = steps(in, provenance);
        ProgressLine line = new ProgressLine(progress, live, "[report] " + e.name() + ": files", steps.size());
        Path target = OutputDirectory.write(outDir, e.name(), temp -> {
            for (int i = 0; i < steps.size(); i++) {
                Step s = steps.get(i);
                hook.before(s.path());
                Path file = temp.resolve(s.path());
                Files.createDirectories(file.getParent());
                s.action().run(file);
                line.update(i + 1);
            }
        });
        long charts = steps.stream().filter(s -> s.path().startsWith("charts/")).count() / 2;
        long traces = steps.stream().filter(s -> s.path().startsWith("traces/")).count();
        line.finish(String.format(java.util.Locale.ROOT, "[report] %s: %d files (%d charts as PNG + SVG, %d traces) in %.1f s",
                e.name(), steps.size(), charts, traces, line.seconds()));
        return target;
    }

    private List<Step> steps(Input in, Provenance provenance) {
        Experiment e = in.experiment();
        List<Step> steps = new ArrayList<>();
        Map<String, Object> results = Results.document(e, in.predictions(), in.timelines(), in.executed(), provenance);
        steps.add(new Step("results.json", f -> text(f, Json.write(results) + "\n")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> plans = (List<Map<String, Object>>) results.get("plans");
        steps.add(new Step("results.csv", f -> text(f, Results.csv(plans))));
        List<ReportCharts.Spec> charts = new ArrayList<>(ReportCharts.of(e, in.predictions(), in.timelines()));
        charts.addAll(ReportCharts.executed(in.predictions(), in.executedTimelines()));
        for (ReportCharts.Spec c : charts) {
            JFreeChart[] drawn = new JFreeChart[1];
            steps.add(new Step("charts/" + c.name() + ".png", f -> {
                drawn[0] = c.chart().get();
                ChartFiles.writePng(drawn[0], f, c.width(), c.height());
            }));
            steps.add(new Step("charts/" + c.name() + ".svg", f -> ChartFiles.writeSvg(drawn[0], f, c.width(), c.height())));
        }
        List<String> traceFiles = new ArrayList<>();
        in.traces().forEach((plan, json) -> {
            String path = "traces/" + ReportCharts.fileName(plan) + ".json";
            traceFiles.add(path);
            steps.add(new Step(path, f -> text(f, json)));
        });
        in.executedTimelines().forEach((plan, timeline) -> {
            String path = "traces/" + ReportCharts.fileName(plan) + "-executed.json";
            traceFiles.add(path);
            steps.add(new Step(path, f -> text(f, ChromeTrace.json(timeline))));
        });
        List<Block> blocks = ReportDocument.build(e, in.predictions(), in.timelines(), in.executed(), in.executedTimelines(),
                traceFiles, charts, provenance);
        steps.add(new Step("report.md", f -> text(f, MarkdownRenderer.render(blocks))));
        steps.add(new Step("report.html", f -> text(f, HtmlRenderer.render("ParaSim report: " + e.name(), blocks))));
        return steps;
    }

    private static void text(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    static void deleteTree(Path root) throws IOException {
        OutputDirectory.deleteTree(root);
    }
}

package dev.parasim.teach;

import dev.parasim.analytic.PlanPrediction;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.report.chart.BubbleChart;
import dev.parasim.report.chart.ChartFiles;
import dev.parasim.report.chart.CollectiveChart;
import dev.parasim.report.chart.CommChart;
import dev.parasim.report.chart.GanttChart;
import dev.parasim.report.chart.MemoryChart;
import dev.parasim.report.chart.StepTimeChart;
import dev.parasim.report.chart.ThroughputChart;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.timeline.Timelines;
import org.jfree.chart.JFreeChart;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Draws a question's chart from its answer with the report's chart classes, and saves it as PNG and SVG. */
public final class QuestionChart {
    static final int WIDTH = 1200;
    static final int HEIGHT = 680;

    private QuestionChart() {}

    /** {@return the chart of an answerable question} */
    public static JFreeChart of(Bank bank, Answer answer) {
        Question q = answer.question();
        Experiment e = answer.experiment();
        ChartRef ref = q.chart();
        ProbeValues values = new ProbeValues(e);
        List<PlanPrediction> predictions = e.plans().stream().map(p -> values.prediction(p.name())).toList();
        String title = q.id();
        return switch (ref.kind()) {
            case MEMORY -> MemoryChart.of(title, predictions.stream().map(p -> new MemoryChart.Bar(p.plan().name(),
                    p.memory().paramsBytes(), p.memory().gradsBytes(), p.memory().optimizerBytes(), p.memory().activationsBytes(),
                    p.memory().otherBytes(), p.memory().capacityBytes())).toList());
            case COMM_BY_COLLECTIVE -> CommChart.byCollective(title, predictions.stream().map(p -> {
                Map<String, Long> bytes = new LinkedHashMap<>();
                for (Probe.CommPart part : Probe.CommPart.values())
                    if (part.kind != null) bytes.put(part.kind.label(), p.comm().bytes(part.kind));
                return new CommChart.Bar(p.plan().name(), bytes, p.fits());
            }).toList());
            case COMM_BY_TIER -> CommChart.byTier(title, predictions.stream()
                    .map(p -> new CommChart.Bar(p.plan().name(), p.comm().byTier(), p.fits())).toList());
            case STEP_TIME -> StepTimeChart.of(title, predictions.stream().map(p -> new StepTimeChart.Bar(p.plan().name(),
                    p.time().computeSeconds(), p.time().exposedCommSeconds(), p.time().bubbleSeconds(), p.fits())).toList());
            case BUBBLE -> bubble(e);
            case GANTT -> {
                ParallelPlan plan = values.plan(ref.plan());
                String description = String.format(Locale.ROOT, "%s, p=%d%s, m=%d", plan.schedule().label(), plan.pp(),
                        plan.chunks() > 1 ? ", v=" + plan.chunks() : "", e.microBatches(plan));
                yield GanttChart.of(Timelines.of(e, plan), description);
            }
            case ALL_REDUCE -> CollectiveChart.busBandwidth(new CollectiveChart.Params(e.cluster().name(), e.cluster().nodeTier(),
                    e.cluster().clusterTier(), e.cluster().gpusPerNode(), CollectiveKind.ALL_REDUCE, rankCounts(e), 1_000,
                    4_000_000_000L));
            case SWEEP -> sweep(bank, answer);
        };
    }

    /** Writes {@code <dir>/<id>.png} and {@code .svg}; {@return the files} */
    public static List<Path> save(Bank bank, Answer answer, Path dir) throws IOException {
        String id = answer.question().id();
        int height = answer.question().chart().kind() == ChartRef.Kind.GANTT
                ? Math.max(420, 170 + 124 * values(answer).plan(answer.question().chart().plan()).pp()) : HEIGHT;
        return ChartFiles.save(of(bank, answer), dir, id, answer.question().chart().kind() == ChartRef.Kind.GANTT ? 1500 : WIDTH, height);
    }

    private static ProbeValues values(Answer a) { return new ProbeValues(a.experiment()); }

    static JFreeChart bubble(Experiment e) {
        int p = e.plans().stream().mapToInt(ParallelPlan::pp).max().orElse(1);
        p = Math.max(p, 2);
        List<BubbleChart.PlanPoint> points = new ArrayList<>();
        int largest = 0;
        for (ParallelPlan plan : e.plans()) {
            if (plan.pp() != p) continue;
            int m = e.microBatches(plan);
            largest = Math.max(largest, m);
            points.add(new BubbleChart.PlanPoint(plan.name(), m, new ProbeValues(e).planFact(
                    new Probe.PlanFact(plan.name(), Probe.PlanFactKind.BUBBLE_CLOSED_FORM), plan)));
        }
        int maxM = Math.min(1024, Math.max(Math.max(64, 8 * p), (int) Math.ceil(largest * 1.15 / p) * p));
        return BubbleChart.of(BubbleChart.Params.fromModel(p, maxM, List.of(2, 4), e.model().seqLen(), e.model().hidden()), points);
    }

    static List<Integer> rankCounts(Experiment e) {
        List<Integer> ranks = new ArrayList<>();
        for (int n = Math.min(8, e.cluster().gpusPerNode()); n <= e.cluster().gpus(); n *= 8) if (n >= 2) ranks.add(n);
        if (ranks.isEmpty()) ranks.add(Math.max(2, e.cluster().gpus()));
        return ranks;
    }

    /** One line per listed probe, its value recomputed with {@code set=value} for every value of the sweep. */
    static JFreeChart sweep(Bank bank, Answer answer) {
        ChartRef ref = answer.question().chart();
        Quantity quantity = answer.question().probes().get(ref.probes().get(0)).quantity();
        List<ThroughputChart.Point> points = new ArrayList<>();
        for (int value : ref.values()) {
            List<String> overrides = new ArrayList<>(answer.overrides());
            overrides.add(ref.set() + "=" + value);
            Answer at = Answer.of(bank, answer.question(), overrides);
            for (String name : ref.probes())
                points.add(new ThroughputChart.Point(ProbeText.describe(answer.question().probes().get(name)), value,
                        scaled(quantity, at.values().get(name)), true));
        }
        return ThroughputChart.of(answer.question().id() + " — sweep of " + ref.set(),
                "each line is one probe of the question, recomputed by the accountant at every value", ref.set(),
                axisLabel(quantity), points);
    }

    static double scaled(Quantity q, double v) {
        return switch (q) {
            case BYTES -> v / 1e9;
            case PERCENT -> 100 * v;
            case BANDWIDTH -> v / 1e9;
            default -> v;
        };
    }

    static String axisLabel(Quantity q) {
        return switch (q) {
            case BYTES -> "GB per GPU";
            case SECONDS -> "seconds";
            case COUNT -> "count";
            case NUMBER -> "value";
            case RATIO -> "ratio (×)";
            case PERCENT -> "%";
            case FLOPS -> "FLOP";
            case FLOP_RATE -> "FLOP/s";
            case BANDWIDTH -> "GB/s";
            case RATE -> "per second";
            case VERDICT -> "1 = yes, 0 = no";
        };
    }
}

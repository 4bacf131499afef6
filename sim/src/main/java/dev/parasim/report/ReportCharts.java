package dev.parasim.report;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.report.chart.BubbleChart;
import dev.parasim.report.chart.CollectiveChart;
import dev.parasim.report.chart.CommChart;
import dev.parasim.report.chart.GanttChart;
import dev.parasim.report.chart.MemoryChart;
import dev.parasim.report.chart.StepTimeChart;
import dev.parasim.report.chart.ThroughputChart;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.SpecException;
import dev.parasim.timeline.Timeline;
import org.jfree.chart.JFreeChart;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;

/** The charts of one report, fed from the predictions: what each is called, how it is drawn and at what size. */
final class ReportCharts {
    /** One chart of the report: files {@code charts/<name>.png} and {@code .svg}. */
    record Spec(String name, String caption, int width, int height, Supplier<JFreeChart> chart, boolean pngInPage) {
        Spec(String name, String caption, int width, int height, Supplier<JFreeChart> chart) {
            this(name, caption, width, height, chart, false);
        }
    }

    /** Timelines with more spans than this are shown as PNG in the page (their SVG runs to megabytes). */
    static final int DENSE_SPANS = 1500;
    /** A stage lane with more spans than this gets a zoomed Gantt of the start of the step too. */
    static final int ZOOM_SPANS = 48;

    private ReportCharts() {}

    /** {@return a Gantt per executed plan: its ranks' event logs replayed, one compute and one comm row per rank} */
    static List<Spec> executed(List<PlanPrediction> predictions, Map<String, Timeline> executedTimelines) {
        List<Spec> specs = new ArrayList<>();
        for (PlanPrediction p : predictions) {
            Timeline t = executedTimelines.get(p.plan().name());
            if (t == null) continue;
            String description = String.format(Locale.ROOT, "executed program, %d ranks", t.stages());
            int height = Math.max(420, 170 + 40 * t.stages() * (hasComm(t) ? 2 : 1));
            specs.add(new Spec("gantt-" + fileName(p.plan().name()) + "-executed", "What the executor ran for " + p.plan().name()
                    + ", replayed at the cluster's speed (one row per rank)", 1500, height, () -> GanttChart.of(t, description),
                    t.spans().size() > DENSE_SPANS));
        }
        return specs;
    }

    static List<Spec> of(Experiment e, List<PlanPrediction> predictions, Map<String, Timeline> timelines) {
        List<Spec> specs = new ArrayList<>();
        String name = e.name();
        specs.add(new Spec("memory", "Memory per GPU by component; dashed line: GPU capacity", 1200, 680,
                () -> MemoryChart.of(name, predictions.stream().map(p -> new MemoryChart.Bar(p.plan().name(),
                        p.memory().paramsBytes(), p.memory().gradsBytes(), p.memory().optimizerBytes(),
                        p.memory().activationsBytes(), p.memory().otherBytes(), p.memory().capacityBytes())).toList())));
        specs.add(new Spec("comm-by-collective", "Bytes sent per GPU per step, by collective", 1200, 680,
                () -> CommChart.byCollective(name, predictions.stream().map(p -> {
                    Map<String, Long> bytes = new LinkedHashMap<>();
                    for (CollectiveKind k : PredictionJson.LISTED) bytes.put(k.label(), p.comm().bytes(k));
                    return new CommChart.Bar(p.plan().name(), bytes, p.fits());
                }).toList())));
        specs.add(new Spec("comm-by-tier", "Bytes sent per GPU per step, by link tier", 1200, 680,
                () -> CommChart.byTier(name, predictions.stream()
                        .map(p -> new CommChart.Bar(p.plan().name(), p.comm().byTier(), p.fits())).toList())));
        specs.add(new Spec("step-time", "Step time: compute, exposed communication, pipeline bubble", 1200, 680,
                () -> StepTimeChart.of(name, predictions.stream().map(p -> new StepTimeChart.Bar(p.plan().name(),
                        p.time().computeSeconds(), p.time().exposedCommSeconds(), p.time().bubbleSeconds(), p.fits())).toList())));
        for (PlanPrediction p : predictions) {
            Timeline t = timelines.get(p.plan().name());
            if (t == null) continue;
            ParallelPlan plan = p.plan();
            String description = String.format(Locale.ROOT, "%s, p=%d%s, m=%d", plan.schedule().label(), plan.pp(),
                    plan.chunks() > 1 ? ", v=" + plan.chunks() : "", e.microBatches(plan));
            int height = Math.max(420, 170 + 62 * t.stages() * (hasComm(t) ? 2 : 1));
            boolean dense = t.spans().size() > DENSE_SPANS;
            specs.add(new Spec("gantt-" + fileName(plan.name()), "Pipeline schedule of " + plan.name() + " (" + description + ")",
                    1500, height, () -> GanttChart.of(t, description), dense));
            List<dev.parasim.timeline.Span> first = t.lane(0, dev.parasim.timeline.Lane.COMPUTE);
            if (first.size() > ZOOM_SPANS) {
                double until = first.get(Math.min(first.size() - 1, 4 * plan.pp() * plan.chunks())).endSeconds();
                boolean comm = t.spans().stream().anyMatch(s -> s.lane() == dev.parasim.timeline.Lane.COMM && s.startSeconds() < until);
                specs.add(new Spec("gantt-" + fileName(plan.name()) + "-start", "Start of the step of " + plan.name()
                        + ": pipeline fill and the first steady-state micro-batches", 1500,
                        Math.max(420, 170 + 62 * t.stages() * (comm ? 2 : 1)),
                        () -> GanttChart.window(t, description, 0, until), dense));
            }
        }
        int p = bubbleStages(predictions);
        List<BubbleChart.PlanPoint> operating = new ArrayList<>();
        BubbleChart.Params shape = BubbleChart.Params.fromModel(p, p, List.of(2, 4), e.model().seqLen(), e.model().hidden());
        int largestM = 0;
        for (PlanPrediction pred : predictions) {
            ParallelPlan plan = pred.plan();
            if (plan.pp() != p) continue;
            int m = e.microBatches(plan);
            largestM = Math.max(largestM, m);
            double fraction = switch (plan.schedule()) {
                case GPIPE, ONE_F_ONE_B -> BubbleChart.oneFOneB(p, m);
                case INTERLEAVED -> BubbleChart.interleaved(p, m, plan.chunks());
                case ZB_H1 -> BubbleChart.zbH1(p, m, shape.forward(), shape.backwardInput(), shape.backwardWeight());
            };
            operating.add(new BubbleChart.PlanPoint(plan.name(), m, fraction));
        }
        // Interleaved lines for v = 2 and 4, and for every v the experiment's plans at this depth use.
        TreeSet<Integer> vs = new TreeSet<>(List.of(2, 4));
        predictions.stream().filter(x -> x.plan().pp() == p && x.plan().chunks() > 1).forEach(x -> vs.add(x.plan().chunks()));
        List<Integer> chunks = List.copyOf(vs);
        // Wide enough to show the experiment's own plans, rounded up to a multiple of p (interleaving's points).
        int maxM = Math.min(1024, Math.max(Math.max(64, 8 * p), (int) Math.ceil(largestM * 1.15 / p) * p));
        specs.add(new Spec("bubble", "Pipeline bubble by schedule vs micro-batches per step (closed forms), with this experiment's plans",
                1200, 680, () -> BubbleChart.of(BubbleChart.Params.fromModel(p, maxM, chunks, e.model().seqLen(),
                e.model().hidden()), operating)));
        List<Integer> ranks = rankCounts(e);
        if (!ranks.isEmpty()) {
            CollectiveChart.Params coll = new CollectiveChart.Params(e.cluster().name(), e.cluster().nodeTier(),
                    e.cluster().clusterTier(), e.cluster().gpusPerNode(), CollectiveKind.ALL_REDUCE, ranks, 1_000, 4_000_000_000L);
            specs.add(new Spec("collective-time", "AllReduce time vs message size per algorithm and rank count", 1200, 720,
                    () -> CollectiveChart.time(coll)));
            specs.add(new Spec("collective-busbw", "AllReduce bus bandwidth vs message size", 1200, 720,
                    () -> CollectiveChart.busBandwidth(coll)));
        }
        List<ThroughputChart.Point> points = mfuVersusTp(e);
        if (!points.isEmpty())
            specs.add(new Spec("mfu-vs-tp", "MFU vs tensor-parallel degree, each plan's family with pp, cp, ZeRO and schedule kept",
                    1200, 680, () -> ThroughputChart.of("MFU vs tensor-parallel degree — " + name,
                    "each line keeps a plan's pp, cp, ZeRO stage and schedule; dp fills the cluster", "tensor-parallel degree tp",
                    "MFU (%)", points)));
        return specs;
    }

    /** {@return a file-name-safe form of a plan name} */
    static String fileName(String plan) {
        return plan.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static boolean hasComm(Timeline t) {
        return t.spans().stream().anyMatch(s -> s.lane() == dev.parasim.timeline.Lane.COMM);
    }

    /** The pipeline depth most plans use (the deeper one on a tie; 8 when none is pipelined), for the bubble chart. */
    static int bubbleStages(List<PlanPrediction> predictions) {
        Map<Integer, Long> count = new java.util.TreeMap<>();
        for (PlanPrediction x : predictions) if (x.plan().pp() > 1) count.merge(x.plan().pp(), 1L, Long::sum);
        int best = 8;
        long most = 0;
        for (Map.Entry<Integer, Long> c : count.entrySet())
            if (c.getValue() >= most) {
                most = c.getValue();
                best = c.getKey();
            }
        return best;
    }

    /** Group sizes to draw: a node, and powers of 8 nodes up to the cluster (none on a one-GPU cluster). */
    static List<Integer> rankCounts(Experiment e) {
        TreeSet<Integer> counts = new TreeSet<>();
        int perNode = e.cluster().gpusPerNode(), gpus = e.cluster().gpus();
        if (perNode > 1) counts.add(perNode);
        for (int n = perNode * 8; n < gpus; n *= 8) counts.add(n);
        if (gpus > 1) counts.add(gpus);
        List<Integer> list = new ArrayList<>(counts);
        while (list.size() > 3) list.remove(1);
        return list;
    }

    /**
     * Every plan re-predicted at tp = 1, 2, 4, … with its pp, cp, ZeRO stage and schedule kept and dp filling the
     * cluster; degrees the model or batch does not allow are skipped. Plans that share a family are drawn once.
     */
    static List<ThroughputChart.Point> mfuVersusTp(Experiment e) {
        List<ThroughputChart.Point> points = new ArrayList<>();
        TreeSet<String> seen = new TreeSet<>();
        for (ParallelPlan plan : e.plans()) {
            String family = String.format(Locale.ROOT, "pp=%d%s, zero %d%s", plan.pp(), plan.cp() > 1 ? ", cp=" + plan.cp() : "",
                    plan.zero().number(), plan.pp() > 1 ? ", " + plan.schedule().label() + (plan.chunks() > 1 ? "×" + plan.chunks() : "") : "");
            if (!seen.add(family)) continue;
            for (int tp = 1; tp <= Math.min(64, e.cluster().gpus()); tp *= 2) {
                int rest = plan.pp() * plan.cp() * tp;
                if (e.cluster().gpus() % rest != 0) continue;
                try {
                    ParallelPlan variant = new ParallelPlan(plan.name() + "-tp" + tp, e.cluster().gpus() / rest, tp, plan.pp(),
                            plan.cp(), plan.zero(), plan.schedule(), plan.chunks(), plan.sequenceParallel() && tp > 1, plan.stageLayers());
                    Experiment one = new Experiment(e.name(), e.model(), e.cluster(), e.training(), List.of(variant), e.execute());
                    PlanPrediction p = Accountant.predict(one, variant);
                    points.add(new ThroughputChart.Point(family, tp, 100 * p.mfu(), p.fits()));
                } catch (SpecException invalid) {
                    // This degree is not a valid plan for the model or batch; the family skips it.
                }
            }
        }
        return points;
    }
}

package dev.parasim.sweep;

import dev.parasim.spec.SweepSpec;
import dev.parasim.report.chart.ChartFiles;
import dev.parasim.report.chart.HeatmapChart;
import dev.parasim.report.chart.ParetoChart;
import org.apache.spark.sql.Row;
import org.jfree.chart.JFreeChart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * The sweep's charts, per GPU count: best MFU over TP × PP (OOM cells marked) and the memory/step-time Pareto front.
 * Their data is gathered first (on the calling thread: the large-sweep path asks Spark SQL for it); the files are then
 * drawn by a pool of at most {@code threads} threads, one task per file, each drawing its own copy of the chart
 * (a JFreeChart is not safe to draw from two threads). In a cold JVM drawing is mostly loading Java2D, font and
 * JFreeChart classes, which the pool spreads over the cores; each file's bytes depend only on its chart, so they are
 * the same as a serial run's ({@code SweepJobTest}).
 */
final class SweepCharts {
    /** Plans drawn on a Pareto chart at most (the fastest ones); the front is always drawn whole. */
    static final int MAX_POINTS = 20_000;

    private SweepCharts() {}

    /** One chart to save as {@code base.png} and {@code base.svg}, built afresh for each file. */
    record Drawing(String base, Supplier<JFreeChart> chart, int width, int height) {}

    /** Draws the sweep's charts into {@code dir} on at most {@code threads} threads (1: serially, on this thread). */
    static void write(Path dir, SweepJob.Outcome outcome, SweepOutput.Tables tables, int threads) throws IOException {
        draw(dir, drawings(outcome, tables), threads);
    }

    /**
     * Draws a two-cell heatmap and a two-point Pareto chart, as PNG and SVG, into memory and drops them: in a cold JVM most
     * of the charts' seconds are loading Java2D, font and JFreeChart classes, which this does ahead of the sweep's own
     * charts (on a thread of its own while the plans are evaluated). Writes nothing.
     */
    static void warmUp() {
        try {
            JFreeChart heatmap = HeatmapChart.of("t", "s", "pp", "tp", "MFU", List.of(new HeatmapChart.Cell(1, 1, 50.0),
                    new HeatmapChart.Cell(2, 1, null)));
            JFreeChart pareto = ParetoChart.of("t", "s", List.of(new ParetoChart.Point(1, 10, true), new ParetoChart.Point(2, 5, false)), 80);
            for (JFreeChart chart : List.of(heatmap, pareto)) {
                ChartFiles.png(chart, 200, 150);
                ChartFiles.svgElement(chart, 200, 150);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return the threads the charts are drawn on by default: one per core, at most 4} */
    static int defaultThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    static void draw(Path dir, List<Drawing> drawings, int threads) throws IOException {
        if (drawings.isEmpty()) return;
        Files.createDirectories(dir);
        List<Task> tasks = new ArrayList<>();
        for (Drawing d : drawings) {
            tasks.add(() -> ChartFiles.writePng(d.chart().get(), dir.resolve(d.base() + ".png"), d.width(), d.height()));
            tasks.add(() -> ChartFiles.writeSvg(d.chart().get(), dir.resolve(d.base() + ".svg"), d.width(), d.height()));
        }
        if (threads <= 1 || tasks.size() <= 1) {
            for (Task t : tasks) t.run();
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, tasks.size()), r -> {
            Thread t = new Thread(r, "sweep-charts");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (Task t : tasks) futures.add(pool.submit(() -> {
                t.run();
                return null;
            }));
            for (Future<Void> f : futures) await(f);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Waits for one file; its failure is rethrown as it was thrown. */
    private static void await(Future<Void> file) throws IOException {
        try {
            file.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while drawing the sweep's charts", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) throw io;
            if (cause instanceof UncheckedIOException u) throw u.getCause();
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error err) throw err;
            throw new IllegalStateException(cause);
        }
    }

    /** Writes one file. */
    @FunctionalInterface
    interface Task {
        void run() throws IOException;
    }

    /** {@return every chart of the sweep, its data gathered now} */
    static List<Drawing> drawings(SweepJob.Outcome outcome, SweepOutput.Tables tables) {
        SweepSpec spec = outcome.spec();
        List<Drawing> drawings = new ArrayList<>();
        for (int gpus : spec.gpus()) {
            List<HeatmapChart.Cell> cells = tables.heatmap().stream().filter(r -> (int) r.getAs("gpus") == gpus)
                    .map(r -> new HeatmapChart.Cell((int) r.getAs("pp"), (int) r.getAs("tp"),
                            r.getAs("bestMfu") == null ? null : 100 * (double) r.getAs("bestMfu")))
                    .toList();
            if (!cells.isEmpty())
                drawings.add(new Drawing("heatmap-" + gpus, () -> HeatmapChart.of("Best MFU over TP × PP — " + spec.model().name()
                                + " on " + gpus + " GPUs", "best over ZeRO stage, schedule, micro-batch, recompute and SP; OOM: no plan fits in "
                                + String.format(Locale.ROOT, "%.0f GB", spec.cluster().gpu().memoryGB()),
                        "pipeline-parallel degree pp", "tensor-parallel degree tp", "best MFU (%)", cells), 1000, 700));
            Set<String> front = new HashSet<>();
            List<Row> frontRows = tables.pareto().stream().filter(r -> (int) r.getAs("gpus") == gpus).toList();
            frontRows.forEach(r -> front.add(r.getAs("plan")));
            List<Row> fits = outcome.streamed()
                    ? outcome.summary().points(gpus).stream().map(p -> org.apache.spark.sql.RowFactory.create(p.plan(), p.stepSeconds(),
                            p.peakBytes())).toList()
                    : outcome.onDriver()
                    ? SweepAnswers.fastest(outcome.kept(), gpus, MAX_POINTS).stream().map(r -> org.apache.spark.sql.RowFactory.create(
                            r.getString(SweepAnswers.PLAN), r.getDouble(SweepAnswers.STEP), r.getLong(SweepAnswers.PEAK))).toList()
                    : outcome.results().filter("status = 'ok' AND gpus = " + gpus).select("plan", "stepSeconds", "peakBytes")
                            .orderBy("stepSeconds", "plan").limit(MAX_POINTS).collectAsList();
            List<ParetoChart.Point> points = new ArrayList<>(fits.stream().map(r -> new ParetoChart.Point(r.getDouble(1),
                    r.getLong(2) / 1e9, front.contains(r.getString(0)))).toList());
            frontRows.stream().filter(r -> fits.stream().noneMatch(f -> f.getString(0).equals(r.getAs("plan"))))
                    .forEach(r -> points.add(new ParetoChart.Point(r.getAs("stepSeconds"), (long) r.getAs("peakBytes") / 1e9, true)));
            if (!points.isEmpty())
                drawings.add(new Drawing("pareto-" + gpus, () -> ParetoChart.of("Memory vs step time — " + spec.model().name()
                                + " on " + gpus + " GPUs", points.size() + " plans that fit; red: the Pareto front (no plan is both faster and smaller)",
                        points, spec.cluster().gpu().memoryGB()), 1000, 650));
        }
        return drawings;
    }
}

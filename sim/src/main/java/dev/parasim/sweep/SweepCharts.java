package dev.parasim.sweep;

import dev.parasim.spec.SweepSpec;
import dev.parasim.report.chart.ChartFiles;
import dev.parasim.report.chart.HeatmapChart;
import dev.parasim.report.chart.ParetoChart;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The sweep's charts, per GPU count: best MFU over TP × PP (OOM cells marked) and the memory/step-time Pareto front. */
final class SweepCharts {
    /** Plans drawn on a Pareto chart at most (the fastest ones); the front is always drawn whole. */
    static final int MAX_POINTS = 20_000;

    private SweepCharts() {}

    static void write(Path dir, SweepJob.Outcome outcome, SweepOutput.Tables tables) throws IOException {
        SweepSpec spec = outcome.spec();
        for (int gpus : spec.gpus()) {
            List<HeatmapChart.Cell> cells = tables.heatmap().stream().filter(r -> (int) r.getAs("gpus") == gpus)
                    .map(r -> new HeatmapChart.Cell((int) r.getAs("pp"), (int) r.getAs("tp"),
                            r.getAs("bestMfu") == null ? null : 100 * (double) r.getAs("bestMfu")))
                    .toList();
            if (!cells.isEmpty())
                ChartFiles.save(HeatmapChart.of("Best MFU over TP × PP — " + spec.model().name() + " on " + gpus + " GPUs",
                        "best over ZeRO stage, schedule, micro-batch, recompute and SP; OOM: no plan fits in "
                                + String.format(Locale.ROOT, "%.0f GB", spec.cluster().gpu().memoryGB()),
                        "pipeline-parallel degree pp", "tensor-parallel degree tp", "best MFU (%)", cells), dir, "heatmap-" + gpus, 1000, 700);
            Set<String> front = new HashSet<>();
            List<Row> frontRows = tables.pareto().stream().filter(r -> (int) r.getAs("gpus") == gpus).toList();
            frontRows.forEach(r -> front.add(r.getAs("plan")));
            List<Row> fits = outcome.onDriver()
                    ? SweepAnswers.fastest(outcome.kept(), gpus, MAX_POINTS).stream().map(r -> org.apache.spark.sql.RowFactory.create(
                            r.getString(SweepAnswers.PLAN), r.getDouble(SweepAnswers.STEP), r.getLong(SweepAnswers.PEAK))).toList()
                    : outcome.results().filter("status = 'ok' AND gpus = " + gpus).select("plan", "stepSeconds", "peakBytes")
                            .orderBy("stepSeconds", "plan").limit(MAX_POINTS).collectAsList();
            List<ParetoChart.Point> points = new java.util.ArrayList<>(fits.stream().map(r -> new ParetoChart.Point(r.getDouble(1),
                    r.getLong(2) / 1e9, front.contains(r.getString(0)))).toList());
            frontRows.stream().filter(r -> fits.stream().noneMatch(f -> f.getString(0).equals(r.getAs("plan"))))
                    .forEach(r -> points.add(new ParetoChart.Point(r.getAs("stepSeconds"), (long) r.getAs("peakBytes") / 1e9, true)));
            if (!points.isEmpty())
                ChartFiles.save(ParetoChart.of("Memory vs step time — " + spec.model().name() + " on " + gpus + " GPUs",
                        points.size() + " plans that fit; red: the Pareto front (no plan is both faster and smaller)",
                        points, spec.cluster().gpu().memoryGB()), dir, "pareto-" + gpus, 1000, 650);
        }
    }
}

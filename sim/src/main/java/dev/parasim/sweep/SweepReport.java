package dev.parasim.sweep;

import dev.parasim.spec.SweepSpec;
import org.apache.spark.sql.Row;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** The sweep's report.md: what was searched, what won, what was rejected and why, with provenance. */
final class SweepReport {
    private SweepReport() {}

    static String markdown(SweepSpec spec, SweepOutput.Tables t, String specSha256, String version, Instant date, boolean streamed) {
        StringBuilder b = new StringBuilder();
        b.append("# Sweep ").append(spec.name()).append("\n\n");
        b.append(String.format(Locale.ROOT, "%s on %s, GPU counts %s, global batch %d, %s.%n%n", spec.model().name(),
                spec.cluster().name(), spec.gpus(), spec.training().globalBatch(), spec.training().precision()));
        long ok = t.count(SweepResult.OK), oom = t.count(SweepResult.OOM), invalid = t.count(SweepResult.INVALID);
        b.append(String.format(Locale.ROOT, "%d distinct candidates: %d plans fit, %d do not fit in %.0f GB, "
                + "%d break a rule (counted below, not dropped).%n%n", ok + oom + invalid, ok, oom, spec.cluster().gpu().memoryGB(), invalid));
        if (streamed)
            b.append(String.format(Locale.ROOT, "The sweep streamed (each task folded its plans into these answers; no row was kept): "
                    + "`plans.csv` holds the fastest %d plans that fit per GPU count, not every plan.%n%n", SweepSummary.PLANS_PER_GPU_COUNT));
        b.append("## Best plan per GPU count (highest tokens/s among plans that fit)\n\n");
        table(b, t.best());
        b.append("\n## Top ").append(t.top().size()).append(" by MFU (model FLOPs)\n\n");
        table(b, t.top());
        b.append("\n## Pareto front: memory per GPU vs step time\n\nEvery faster plan needs more memory.\n\n");
        table(b, t.pareto());
        b.append("\n");
        for (int gpus : spec.gpus()) b.append("![Pareto front, ").append(gpus).append(" GPUs](charts/pareto-").append(gpus).append(".svg)\n");
        b.append("\n## Best MFU over TP × PP\n\n`OOM` marks cells where no plan fits.\n\n");
        for (int gpus : spec.gpus()) b.append("![Best MFU, ").append(gpus).append(" GPUs](charts/heatmap-").append(gpus).append(".svg)\n\n");
        heatmap(b, t.heatmap());
        b.append("\n## Rejected candidates, by rule\n\n| rule | candidates |\n|---|---:|\n");
        for (Row r : t.rejected()) b.append("| ").append(r.getString(0)).append(" | ").append(r.getLong(1)).append(" |\n");
        b.append("\n## Provenance\n\n");
        b.append("- sweep spec: `sweep.yaml`, SHA-256 `").append(specSha256).append("`\n");
        b.append("- ParaSim ").append(version).append(", date ").append(date).append('\n');
        b.append("- step time: closed form (`stepSeconds`) and timeline (`timelineStepSeconds`), calibration as in the cluster spec\n");
        return b.toString();
    }

    static void table(StringBuilder b, List<Row> rows) {
        b.append("| plan | GPUs | peak GB | comm GB/GPU | step s | timeline s | MFU | tokens/s | days |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows)
            b.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.3f | %.3f | %.1f%% | %.0f | %.1f |%n",
                    r.getAs("plan"), (int) r.getAs("gpus"), (long) r.getAs("peakBytes") / 1e9, (long) r.getAs("commBytesPerGpu") / 1e9,
                    (double) r.getAs("stepSeconds"), (double) r.getAs("timelineStepSeconds"), 100 * (double) r.getAs("mfu"),
                    (double) r.getAs("tokensPerSecond"), (double) r.getAs("daysToTrain")));
    }

    static void heatmap(StringBuilder b, List<Row> cells) {
        List<Integer> tps = cells.stream().map(r -> (int) r.getAs("tp")).distinct().sorted().toList();
        List<Integer> pps = cells.stream().map(r -> (int) r.getAs("pp")).distinct().sorted().toList();
        for (int gpus : cells.stream().map(r -> (int) r.getAs("gpus")).distinct().sorted().toList()) {
            b.append(gpus).append(" GPUs\n\n| tp \\ pp |");
            pps.forEach(pp -> b.append(' ').append(pp).append(" |"));
            b.append("\n|---|").append("---:|".repeat(pps.size())).append('\n');
            for (int tp : tps) {
                b.append("| ").append(tp).append(" |");
                for (int pp : pps) {
                    Row cell = cells.stream().filter(r -> (int) r.getAs("gpus") == gpus && (int) r.getAs("tp") == tp
                            && (int) r.getAs("pp") == pp).findFirst().orElse(null);
                    String text = cell == null ? " " : cell.getAs("bestMfu") == null ? "OOM"
                            : String.format(Locale.ROOT, "%.1f%%", 100 * (double) cell.getAs("bestMfu"));
                    b.append(' ').append(text).append(" |");
                }
                b.append('\n');
            }
            b.append('\n');
        }
    }
}

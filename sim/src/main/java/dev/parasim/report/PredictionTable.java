package dev.parasim.report;

import dev.parasim.analytic.PlanPrediction;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.memory.MemoryBreakdown;
import dev.parasim.spec.Experiment;
import dev.parasim.workload.StageSplit;

import java.util.List;
import java.util.Locale;

/** The human-readable {@code predict} output: one row per plan, then each plan's breakdown. */
public final class PredictionTable {
    private PredictionTable() {}

    public static String render(Experiment e, List<PlanPrediction> predictions) {
        StringBuilder out = new StringBuilder();
        PlanPrediction first = predictions.get(0);
        String parameters = String.format(Locale.ROOT, "%.2fB parameters", first.parameters() / 1e9)
                + (e.model().isMoe() ? String.format(Locale.ROOT, ", %.2fB active: %d of %d experts", first.activeParameters() / 1e9,
                e.model().moe().topK(), e.model().moe().experts()) : "");
        out.append(String.format(Locale.ROOT, "%s: %s (%s) on %s, %d GPUs; global batch %d, micro-batch %d, %s, recompute %s%n%n",
                e.name(), e.model().name(), parameters, e.cluster().name(), e.cluster().gpus(),
                e.training().globalBatch(), e.training().microBatch(), e.training().precision(), e.training().recompute()));
        int width = Math.max(4, predictions.stream().mapToInt(p -> p.plan().name().length()).max().orElse(4));
        String name = "%-" + width + "s";
        // An ep column only when a plan splits its experts.
        boolean ep = predictions.stream().anyMatch(p -> p.plan().ep() > 1);
        out.append(String.format(Locale.ROOT, name + " %5s %4s %4s %3s" + (ep ? " %3s" : "%s") + " %4s  %-14s %10s %5s %11s %9s %6s %7s %6s %12s%n",
                "plan", "dp", "tp", "pp", "cp", ep ? "ep" : "", "zero", "schedule", "peak GB", "fits", "comm GB/GPU", "step s", "MFU",
                "MFU6ND", "HFU", "tokens/s"));
        for (PlanPrediction p : predictions) {
            var plan = p.plan();
            out.append(String.format(Locale.ROOT, name + " %5d %4d %4d %3d" + (ep ? " %3s" : "%s")
                            + " %4d  %-14s %10.2f %5s %11.2f %9.3f %5.1f%% %6.1f%% %5.1f%% %12.0f%n",
                    plan.name(), plan.dp(), plan.tp(), plan.pp(), plan.cp(), ep ? String.valueOf(plan.ep()) : "", plan.zero().number(),
                    plan.pp() == 1 ? "-" : plan.schedule().label() + (plan.chunks() > 1 ? "×" + plan.chunks() : ""),
                    p.memory().peakBytes() / 1e9, p.fits() ? "yes" : "NO", p.comm().bytesPerGpu() / 1e9,
                    p.time().stepSeconds(), 100 * p.mfu(), 100 * p.mfu6ND(), 100 * p.hfu(), p.tokensPerSecond()));
        }
        for (PlanPrediction p : predictions) out.append(System.lineSeparator()).append(breakdown(e, p));
        return out.toString();
    }

    static String breakdown(Experiment e, PlanPrediction p) {
        MemoryBreakdown m = p.memory();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s%s%n", p.plan().name(), p.fits() ? "" : "  — does not fit: " + m.reason()));
        b.append(String.format(Locale.ROOT, "  memory GB   params %.2f  grads %.2f  optimizer %.2f  activations %.2f  other %.2f  = %.2f of %.1f%s%n",
                m.paramsBytes() / 1e9, m.gradsBytes() / 1e9, m.optimizerBytes() / 1e9, m.activationsBytes() / 1e9,
                m.otherBytes() / 1e9, m.peakBytes() / 1e9, m.capacityBytes() / 1e9,
                p.plan().pp() > 1 ? " (stage " + m.stage() + ")" : ""));
        StageSplit split = StageSplit.of(e.model(), p.plan());
        if (!split.even())
            b.append(String.format(Locale.ROOT, "  stages      layers per %sstage %s (uneven)%n", p.plan().chunks() > 1 ? "virtual " : "",
                    split.describe()));
        b.append("  comm GB    ");
        for (CollectiveKind k : PredictionJson.LISTED)
            if (p.comm().bytes(k) > 0) b.append(String.format(Locale.ROOT, " %s %.3f", k.label(), p.comm().bytes(k) / 1e9));
        p.comm().byTier().forEach((tier, bytes) -> b.append(String.format(Locale.ROOT, "  | %s %.3f", tier, bytes / 1e9)));
        b.append(System.lineSeparator());
        b.append(String.format(Locale.ROOT, "  time s      compute %.3f  exposed comm %.3f  bubble %.3f  = step %.3f%n",
                p.time().computeSeconds(), p.time().exposedCommSeconds(), p.time().bubbleSeconds(), p.time().stepSeconds()));
        Zero3Note.of(e, p).ifPresent(note -> b.append("  zero-3      ").append(note).append(System.lineSeparator()));
        dev.parasim.validate.PredictionRange.of(e, p).ifPresent(r -> b.append("  range       ").append(r.describe()).append(System.lineSeparator()));
        return b.toString();
    }
}

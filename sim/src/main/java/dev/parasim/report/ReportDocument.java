package dev.parasim.report;

import dev.parasim.analytic.PlanPrediction;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.timeline.Timeline;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What report.md and report.html say, as blocks: the winner and the plans that do not fit, the plans side
 * by side, each headline number beside its formula and source, executed against predicted, the charts,
 * and the provenance.
 */
final class ReportDocument {
    /** Largest relative parameter difference from the single-rank run that passes (fp32 rounding amplified by Adam). */
    static final double PARAM_TOLERANCE = 1e-5;

    private ReportDocument() {}

    /** {@return the fastest plan that fits, if any} */
    static Optional<PlanPrediction> winner(List<PlanPrediction> predictions) {
        return predictions.stream().filter(PlanPrediction::fits)
                .min(Comparator.comparingDouble((PlanPrediction p) -> p.time().stepSeconds()));
    }

    static List<Block> build(Experiment e, List<PlanPrediction> predictions, Map<String, Timeline> timelines,
                             Map<String, Map<String, Object>> executed, Map<String, Timeline> executedTimelines,
                             List<String> traceFiles,
                             List<ReportCharts.Spec> charts, Provenance provenance) {
        List<Block> blocks = new ArrayList<>();
        blocks.add(new Block.Heading(1, "ParaSim report: " + e.name()));
        blocks.add(new Block.Paragraph(String.format(Locale.ROOT,
                "%s (%s parameters) on %s: %d × %d %s GPUs (%.0f GB each). Global batch %d sequences of %d tokens, "
                        + "micro-batch %d, %s, recompute %s. %d plans compared.",
                e.model().name(), Units.count(predictions.get(0).parameters()), e.cluster().name(), e.cluster().nodes(),
                e.cluster().gpusPerNode(), e.cluster().gpu().name(), e.cluster().gpu().memoryGB(), e.training().globalBatch(),
                e.model().seqLen(), e.training().microBatch(), e.training().precision().label(), e.training().recompute().label(),
                predictions.size())));
        Optional<PlanPrediction> winner = winner(predictions);
        blocks.add(winner.map(w -> new Block.Callout("Winner: " + w.plan().name() + ".", String.format(Locale.ROOT,
                "The fastest plan that fits: step %s, MFU %.1f%%, %.0f tokens/s, peak %s of %s per GPU.",
                Units.seconds(w.time().stepSeconds()), 100 * w.mfu(), w.tokensPerSecond(), Units.bytes(w.memory().peakBytes()),
                Units.bytes(w.memory().capacityBytes())), false))
                .orElse(new Block.Callout("No winner.", "No plan fits in GPU memory.", true)));
        List<String> infeasible = predictions.stream().filter(p -> !p.fits())
                .map(p -> p.plan().name() + ": " + p.memory().reason()).toList();
        if (!infeasible.isEmpty()) {
            blocks.add(new Block.Callout("Does not fit (" + infeasible.size() + " of " + predictions.size() + "):",
                    "these plans need more memory than one GPU has.", true));
            blocks.add(new Block.Bullets(infeasible));
        } else {
            blocks.add(new Block.Paragraph("Every plan fits in GPU memory."));
        }

        blocks.add(new Block.Heading(2, "Plans side by side"));
        blocks.add(sideBySide(e, predictions, winner.map(w -> w.plan().name()).orElse("")));
        for (PlanPrediction p : predictions)
            Zero3Note.of(e, p).ifPresent(note -> blocks.add(new Block.Paragraph(p.plan().name() + ": " + note + ".")));

        blocks.add(new Block.Heading(2, "Where the numbers come from"));
        blocks.add(new Block.Paragraph("Each headline number of each plan, the formula it follows, that formula's own value "
                + "where it has a closed form, and the source. Ψ is parameters, n a group size, S a message in bytes, "
                + "s sequence length, b micro-batch, h hidden size, a heads, L layers, t/p/v TP, PP degree and chunks, "
                + "m micro-batches per step."));
        for (PlanPrediction p : predictions) {
            blocks.add(new Block.Heading(3, p.plan().name()));
            List<List<String>> rows = Headlines.of(e, p).stream()
                    .map(r -> List.of(r.quantity(), r.value(), r.formula(), r.formulaValue(), r.source())).toList();
            blocks.add(new Block.Table(List.of("quantity", "ParaSim", "formula", "formula gives", "source"), rows, true));
        }

        if (!timelines.isEmpty()) {
            blocks.add(new Block.Heading(2, "Timeline against closed form"));
            blocks.add(new Block.Paragraph("Both split the step on the busiest pipeline stage into compute, exposed "
                    + "communication and bubble, the bubble being the time that stage waits inside the step; every bubble "
                    + "percentage in this report is bubble / (step − bubble), the textbook (p−1)/m for 1F1B. The timeline plays "
                    + "the schedule with each stage's own costs; the closed form takes the slowest stage's."));
            List<List<String>> rows = new ArrayList<>();
            Units.TimeUnit unit = Units.timeUnit(predictions.stream().mapToDouble(p -> p.time().stepSeconds()).toArray());
            for (PlanPrediction p : predictions) {
                Timeline t = timelines.get(p.plan().name());
                if (t == null) continue;
                rows.add(List.of(p.plan().name(), unit.format(t.stepSeconds()), unit.format(p.time().stepSeconds()),
                        unit.format(t.bubbleSeconds()), unit.format(p.time().bubbleSeconds()), unit.format(t.exposedCommSeconds()),
                        unit.format(p.time().exposedCommSeconds())));
            }
            blocks.add(new Block.Table(List.of("plan", "step (timeline)", "step (closed form)", "bubble (timeline)",
                    "bubble (closed form)", "exposed comm (timeline)", "exposed comm (closed form)"), rows, true));
        }

        if (!executed.isEmpty()) {
            blocks.add(new Block.Heading(2, "Executed against predicted"));
            blocks.add(new Block.Paragraph("Bytes and memory counted while running the plan for real, against the "
                    + "accountant's prediction for the same plan; difference = executed − predicted. With a pipeline both "
                    + "sides describe the prediction's worst stage (memory.worstStage); activations also compare stage by "
                    + "stage (activationsBytesByStage, edge terms included). Verdict: pass when the bytes are equal and, "
                    + "for the trained parameters, when they agree with the single-rank run within " + PARAM_TOLERANCE
                    + "; FAIL otherwise. The predicted peak includes the transient buffers live at that moment (memory.otherBytes: "
                    + "pipeline send/receive buffers, TP collective workspaces and ring chunks, ZeRO-2/3's unsharded gradient "
                    + "and ZeRO-3's gathered parameters, DDP's gradient buckets in the sync), which the executor meters as "
                    + "commBuffers, gathered params and transient grads: every stage's executed peak equals it, ZeRO-2/3 "
                    + "with a pipeline or TP included (both gather and reduce-scatter layer by layer, as PyTorch FSDP does, "
                    + "and the prediction walks each pass as the executor runs it)."));
            for (PlanPrediction p : predictions) {
                Map<String, Object> run = executed.get(p.plan().name());
                if (run == null) continue;
                Block.Table table = executedTable(PredictionJson.plan(e.model(), p), run);
                long checks = table.rows().stream().filter(r -> !r.get(5).equals("—")).count();
                long passed = table.rows().stream().filter(r -> r.get(5).equals("pass")).count();
                blocks.add(new Block.Heading(3, p.plan().name() + String.format(Locale.ROOT, " — %d of %d checks pass", passed, checks)));
                blocks.add(table);
            }
        }

        if (!executedTimelines.isEmpty()) {
            blocks.add(new Block.Heading(2, "Executed program on the timeline"));
            blocks.add(new Block.Paragraph("The timeline interpreter replays each rank's event log from the executed run "
                    + "(passes, sends and receives, collectives, the optimizer) with the cost model's durations, and plays "
                    + "the program ParaSim generates for the same plan. Without tensor parallelism the pipeline passes land at "
                    + "exactly the same times, and the executed step is longer only by the gradient and parameter "
                    + "collectives it runs after the last backward, blocking, where the generated program overlaps them "
                    + "with compute. With TP the executed log places each pass's TP collectives beside the pass rather than "
                    + "inside it, and the generated program charges TP time per micro-batch, so the two differ by design."));
            List<List<String>> rows = new ArrayList<>();
            Units.TimeUnit unit = Units.timeUnit(executedTimelines.values().stream().mapToDouble(Timeline::stepSeconds).toArray());
            for (PlanPrediction p : predictions) {
                Timeline x = executedTimelines.get(p.plan().name()), g = timelines.get(p.plan().name());
                if (x == null) continue;
                rows.add(List.of(p.plan().name(), unit.format(x.stepSeconds()), g == null ? "—" : unit.format(g.stepSeconds()),
                        unit.format(x.bubbleSeconds()), g == null ? "—" : unit.format(g.bubbleSeconds()),
                        unit.format(x.exposedCommSeconds()), g == null ? "—" : unit.format(g.exposedCommSeconds())));
            }
            blocks.add(new Block.Table(List.of("plan", "step (executed)", "step (generated)", "bubble (executed)",
                    "bubble (generated)", "exposed comm (executed)", "exposed comm (generated)"), rows, true));
        }

        blocks.add(new Block.Heading(2, "Charts"));
        for (ReportCharts.Spec c : charts) {
            String svg = "charts/" + c.name() + ".svg", png = "charts/" + c.name() + ".png";
            // Charts with thousands of shapes load faster as pictures; the SVG stays one click away.
            blocks.add(c.pngInPage() ? new Block.Figure(c.caption(), png, svg) : new Block.Figure(c.caption(), svg, png));
        }

        if (!traceFiles.isEmpty()) {
            blocks.add(new Block.Heading(2, "Traces"));
            blocks.add(new Block.Paragraph("Chrome trace files: open them in ui.perfetto.dev or chrome://tracing."));
            for (String f : traceFiles) blocks.add(new Block.Link(f, f));
        }

        blocks.add(new Block.Heading(2, "Provenance"));
        blocks.add(new Block.Table(List.of("field", "value"), List.of(
                List.of("ParaSim version", provenance.version()),
                List.of("date", provenance.date().toString()),
                List.of("seed", provenance.seed().map(String::valueOf).orElse("none (closed-form prediction)")),
                List.of("input spec SHA-256", provenance.specSha256()),
                List.of("results", "results.json, results.csv")), true));
        blocks.add(new Block.Details("Input spec (canonical JSON of the loaded experiment; the SHA-256 is over these bytes)",
                List.of(new Block.Code("json", provenance.specJson()))));
        return blocks;
    }

    static Block.Table sideBySide(Experiment e, List<PlanPrediction> predictions, String winner) {
        List<String> header = new ArrayList<>();
        header.add("");
        for (PlanPrediction p : predictions) header.add(p.plan().name() + (p.plan().name().equals(winner) ? " ★" : ""));
        List<List<String>> rows = new ArrayList<>();
        row(rows, "dp·tp·pp·cp", predictions, p -> p.plan().dp() + "·" + p.plan().tp() + "·" + p.plan().pp() + "·" + p.plan().cp());
        if (predictions.stream().anyMatch(p -> p.plan().ep() > 1))
            row(rows, "ep (experts split over)", predictions, p -> String.valueOf(p.plan().ep()));
        row(rows, "ZeRO stage", predictions, p -> String.valueOf(p.plan().zero().number()));
        row(rows, "schedule", predictions, p -> schedule(p.plan()));
        row(rows, "micro-batches per step m", predictions, p -> String.valueOf(e.microBatches(p.plan())));
        row(rows, "peak memory per GPU", predictions, p -> Units.bytes(p.memory().peakBytes()));
        row(rows, "fits", predictions, p -> p.fits() ? "yes" : "NO");
        row(rows, "  params + grads + optimizer", predictions, p -> Units.bytes(p.memory().modelStateBytes()));
        row(rows, "  activations", predictions, p -> Units.bytes(p.memory().activationsBytes()));
        row(rows, "sent per GPU per step", predictions, p -> Units.bytes(p.comm().bytesPerGpu()));
        for (CollectiveKind k : PredictionJson.LISTED)
            if (predictions.stream().anyMatch(p -> p.comm().bytes(k) > 0))
                row(rows, "  " + k.label(), predictions, p -> Units.bytes(p.comm().bytes(k)));
        for (String tier : predictions.get(0).comm().byTier().keySet())
            row(rows, "  on " + tier, predictions, p -> Units.bytes(p.comm().byTier().getOrDefault(tier, 0L)));
        Units.TimeUnit unit = Units.timeUnit(predictions.stream().mapToDouble(p -> p.time().stepSeconds()).toArray());
        row(rows, "step time", predictions, p -> unit.format(p.time().stepSeconds()));
        row(rows, "  compute", predictions, p -> unit.format(p.time().computeSeconds()));
        row(rows, "  exposed comm", predictions, p -> unit.format(p.time().exposedCommSeconds()));
        row(rows, "  bubble", predictions, p -> unit.format(p.time().bubbleSeconds()));
        if (predictions.stream().anyMatch(p -> dev.parasim.validate.PredictionRange.of(e, p).isPresent()))
            row(rows, "  range (published runs' errors)", predictions, p -> dev.parasim.validate.PredictionRange.of(e, p)
                    .map(r -> unit.format(r.lowSeconds()) + " – " + unit.format(r.highSeconds())).orElse("—"));
        row(rows, "MFU", predictions, p -> Headlines.pct(p.mfu()));
        row(rows, "HFU", predictions, p -> Headlines.pct(p.hfu()));
        row(rows, "tokens/s", predictions, p -> String.format(Locale.ROOT, "%.0f", p.tokensPerSecond()));
        return new Block.Table(header, rows, true);
    }

    private static void row(List<List<String>> rows, String name, List<PlanPrediction> ps, Function<PlanPrediction, String> f) {
        List<String> row = new ArrayList<>();
        row.add(name);
        for (PlanPrediction p : ps) row.add(f.apply(p));
        rows.add(row);
    }

    /** Executed fields matched to predicted ones by name, also under comm., memory. and time. */
    static Block.Table executedTable(Map<String, Object> predicted, Map<String, Object> executed) {
        Map<String, String> flatPredicted = new LinkedHashMap<>(), flatExecuted = new LinkedHashMap<>();
        Results.flatten("", predicted, flatPredicted);
        Results.flatten("", executed, flatExecuted);
        List<List<String>> rows = new ArrayList<>();
        flatExecuted.forEach((key, value) -> {
            String match = null;
            for (String candidate : List.of(key, "comm." + key, "memory." + key, "time." + key))
                if (flatPredicted.containsKey(candidate)) {
                    match = candidate;
                    break;
                }
            Double x = number(value), y = match == null ? null : number(flatPredicted.get(match));
            if (x == null || y == null) {
                String verdict = "—";
                if (key.equals("maxRelativeParamDiffVsSingleRank") && x != null) verdict = x <= PARAM_TOLERANCE ? "pass" : "FAIL";
                rows.add(List.of(key, value, match == null ? "—" : flatPredicted.get(match), "—", "—", verdict));
                return;
            }
            double diff = x - y;
            String rel = y == 0 ? (diff == 0 ? "0%" : "—") : String.format(Locale.ROOT, "%+.3f%%", 100 * diff / y);
            rows.add(List.of(match, plain(x), plain(y), (diff > 0 ? "+" : "") + plain(diff), rel, diff == 0 ? "pass" : "FAIL"));
        });
        return new Block.Table(List.of("field", "executed", "predicted", "difference", "relative", "verdict"), rows, true);
    }

    private static Double number(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException ex) {
            return null;
        }
    }

    private static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e18 ? String.format(Locale.ROOT, "%d", (long) v) : String.format(Locale.ROOT, "%.6g", v);
    }

    static String schedule(ParallelPlan plan) {
        return plan.pp() == 1 ? "—" : plan.schedule().label() + (plan.chunks() > 1 ? " ×" + plan.chunks() : "");
    }


}

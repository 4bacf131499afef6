package dev.parasim.timeline;

import dev.parasim.analytic.StageCost;
import dev.parasim.collective.CollectiveCost;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.program.Group;
import dev.parasim.program.Instruction;
import dev.parasim.program.Overlap;
import dev.parasim.program.StageProgram;
import dev.parasim.program.StepProgram;
import dev.parasim.program.schedule.Dependencies.StagePass;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.spec.Experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws every collective of a played step from its step program, each where the overlap rule its generator
 * stated puts it, on the stage's comm lane: a pass's ZeRO-3 gathers from its start (prefetched), its ZeRO-2/3
 * reduce-scatters behind them (bucketed as its gradients appear, hidden behind its compute up to {@code dpOverlap}),
 * its ring-attention shifts, its TP collectives at its end (on the critical path: the exposed part is inside the
 * pass's span), and so its expert-parallel AllToAlls, just before them; the epilogue's gradient collectives inside the synchronisation
 * window the step time charges (started during the last backward; DDP's buckets as that backward produces them, one
 * after another, so the last bucket ends past it: {@code analytic.StageCost#syncExposed}), and the ZeRO-1/2 parameter gather split into
 * the part the next step's first forward hides (drawn at this step's start, where the previous step's runs) and
 * the exposed rest after the optimizer. Spans never change the step's times; they show where its communication is.
 */
final class CommSpans {
    private final Experiment e;
    private final StepProgram program;
    private final CollectiveCost cost;

    CommSpans(Experiment e, StepProgram program) {
        this.e = e;
        this.program = program;
        this.cost = new CollectiveCost(e.cluster().nodeTier(), e.cluster().clusterTier());
    }

    /** Adds the communication inside the stage's passes, as the pass times in {@code played} put them. */
    void passes(List<Span> out, int stage, PipelineSimulator.Played played) {
        StageProgram sp = program.stages().get(stage);
        double cursor = 0;
        for (PassRef ref : sp.order()) {
            double[] at = played.passTimes(new StagePass(stage, ref));
            // The data-parallel gathers and reduce-scatters one batch per group (under EP: DP's, then the experts').
            Batch gather = new Batch(), expertGather = new Batch(), ring = new Batch(), tp = new Batch(), ep = new Batch(),
                    reduce = new Batch(), expertReduce = new Batch();
            for (Instruction i : sp.body(ref)) {
                if (!(i instanceof Instruction.Collective c) || c.sentBytes(program.groupSize(c.group())) == 0) continue;
                boolean experts = c.group() == Group.EXPERT_DP;
                Batch target = c.group() == Group.TP ? tp : c.group() == Group.CP ? ring : c.group() == Group.EP ? ep
                        : c.overlap() == Overlap.PREFETCHED ? (experts ? expertGather : gather) : experts ? expertReduce : reduce;
                target.add(c, seconds(c), program.groupSize(c.group()));
            }
            cursor = gather.draw(out, stage, SpanKind.DP_COMM, ref, Math.max(cursor, at[0]), "ZeRO-3 ");
            cursor = expertGather.draw(out, stage, SpanKind.DP_COMM, ref, Math.max(cursor, at[0]), "ZeRO-3 experts' ");
            cursor = reduce.draw(out, stage, SpanKind.DP_COMM, ref, Math.max(cursor, at[0]), "gradient ");
            cursor = expertReduce.draw(out, stage, SpanKind.DP_COMM, ref, Math.max(cursor, at[0]), "experts' gradient ");
            cursor = ring.draw(out, stage, SpanKind.CP_COMM, ref, Math.max(cursor, at[0]), "ring attention ");
            cursor = ep.draw(out, stage, SpanKind.EP_COMM, ref, Math.max(cursor, at[1] - tp.seconds - ep.seconds), "expert ");
            cursor = tp.draw(out, stage, SpanKind.TP_COMM, ref, Math.max(cursor, at[1] - tp.seconds), "");
        }
    }

    /**
     * Adds the epilogue's communication: the gradient collectives inside the synchronisation window, from
     * {@code syncStart} to {@code syncEnd} ({@link StageCost#syncExposed}): the once-a-step collectives from its start
     * (each its share of the stage's non-bucketed {@link StageCost#gradientSync}), DDP's buckets as one span of their
     * seconds ending where the last bucket ends; the parameter gather's exposed part from {@code optimizerEnd} and its
     * hidden part from the step's start.
     */
    void epilogue(List<Span> out, int stage, StageCost c, double syncStart, double syncEnd, double optimizerEnd,
                  double gatherExposed) {
        Map<List<Object>, Batch> sync = new LinkedHashMap<>(), gather = new LinkedHashMap<>();
        for (Instruction i : program.stages().get(stage).epilogue()) {
            if (!(i instanceof Instruction.Collective col) || col.sentBytes(program.groupSize(col.group())) == 0) continue;
            Map<List<Object>, Batch> target = col.overlap() == Overlap.BEHIND_NEXT_FORWARD ? gather : sync;
            target.computeIfAbsent(List.of(col.group(), col.kind(), col.buffer().kind()), k -> new Batch())
                    .add(col, seconds(col), program.groupSize(col.group()));
        }
        double others = sync.values().stream().filter(b -> !b.bucketed()).mapToDouble(b -> b.seconds).sum(), at = syncStart;
        for (Batch b : sync.values()) {
            if (b.bucketed()) continue;
            double share = others > 0 ? (c.gradientSync() - c.bucketedSync()) * b.seconds / others : 0;
            out.add(new Span(stage, Lane.COMM, kind(b.group), -1, -1, at, at + share, b.label(epilogueName(b))));
            at += share;
        }
        // DDP's buckets (under EP, the dense part's and then the experts'), one after another, the last ending at syncEnd.
        double bucketed = sync.values().stream().filter(Batch::bucketed).mapToDouble(b -> b.seconds).sum();
        double from = Math.max(at, syncEnd - c.bucketedSync()), span = syncEnd - from;
        long left = sync.values().stream().filter(Batch::bucketed).count();
        for (Batch b : sync.values()) {
            if (!b.bucketed()) continue;
            double to = --left == 0 ? syncEnd : from + span * b.seconds / bucketed;
            out.add(new Span(stage, Lane.COMM, kind(b.group), -1, -1, from, to, b.label(epilogueName(b))));
            from = to;
        }
        if (!gather.isEmpty() && c.afterStep() > 0) {
            String label = "parameter gather " + String.join(", ", gather.values().stream().map(b -> b.label("")).toList());
            double hidden = c.afterStep() - gatherExposed;
            // One collective in two parts: its bytes are named on the first part drawn.
            if (hidden > 0) out.add(new Span(stage, Lane.COMM, SpanKind.DP_COMM, -1, -1, 0, hidden,
                    label + " (the previous step's, behind the first forward)"));
            if (gatherExposed > 0) out.add(new Span(stage, Lane.COMM, SpanKind.DP_COMM, -1, -1, optimizerEnd,
                    optimizerEnd + gatherExposed, hidden > 0 ? "parameter gather (its exposed part)" : label + " (exposed)"));
        }
    }

    private static String epilogueName(Batch b) {
        return switch (b.buffer) {
            case GRADIENT_BUCKET -> "gradient sync ";
            case TIED_GRADIENT -> b.group == Group.EMBEDDING ? "tied embedding " : "tied embedding gather ";
            case SP_PARTIAL_GRADIENT -> "SP partial gradients ";
            default -> "gradient sync ";
        };
    }

    private static SpanKind kind(Group group) {
        return switch (group) {
            case TP -> SpanKind.TP_COMM;
            case CP -> SpanKind.CP_COMM;
            case DP, EXPERT_DP, EMBEDDING -> SpanKind.DP_COMM;
            case EP -> SpanKind.EP_COMM;
        };
    }

    /** {@return seconds of one collective on its group, as the cost model times it} */
    double seconds(Instruction.Collective c) {
        var span = program.span(c.group());
        return c.kind() == CollectiveKind.SEND_RECV ? cost.sendRecv(c.bufferBytes(), span.crossesNodes()).seconds()
                : cost.of(c.kind(), c.bufferBytes(), span).seconds();
    }

    /** Collectives drawn as one span: their kinds counted, bytes sent and seconds summed. */
    private static final class Batch {
        final Map<CollectiveKind, Integer> counts = new LinkedHashMap<>();
        long sent;
        double seconds;
        Group group;
        dev.parasim.program.Buffer.Kind buffer;

        boolean bucketed() {
            return buffer == dev.parasim.program.Buffer.Kind.GRADIENT_BUCKET;
        }

        void add(Instruction.Collective c, double s, int n) {
            counts.merge(c.kind(), 1, Integer::sum);
            sent += c.sentBytes(n);
            seconds += s;
            group = c.group();
            buffer = c.buffer().kind();
        }

        double draw(List<Span> out, int stage, SpanKind kind, PassRef ref, double start, String what) {
            if (counts.isEmpty()) return start;
            out.add(new Span(stage, Lane.COMM, kind, ref.microBatch(), ref.chunk(), start, start + seconds, label(what)));
            return start + seconds;
        }

        String label(String what) {
            List<String> parts = new ArrayList<>();
            counts.forEach((k, n) -> parts.add((n > 1 ? n + "× " : "") + k.label()));
            String on = group == Group.EMBEDDING ? "the embedding pair" : group.name();
            return String.format(Locale.ROOT, "%s%s on %s, %d B sent", what, String.join(" + ", parts), on, sent);
        }
    }
}

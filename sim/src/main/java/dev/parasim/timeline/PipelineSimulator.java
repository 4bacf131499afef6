package dev.parasim.timeline;

import dev.parasim.program.schedule.Dependencies;
import dev.parasim.program.schedule.Dependencies.StagePass;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A discrete-event player of per-stage pass orders by the timeline's lane rules ({@link LanePlayer}, a lane per
 * stage): each stage runs its passes in order on its compute lane, a pass starts when its stage is free and its
 * dependency has arrived, and an output another stage needs travels on the sender's comm lane (one link per stage,
 * so sends queue behind each other).
 * Times live in dense arrays indexed by (pass, stage, chunk, micro-batch): sweeps play millions of steps.
 */
public final class PipelineSimulator {
    private PipelineSimulator() {}

    /** Seconds of one pass: compute and the communication on its critical path. */
    public record PassCost(double compute, double exposedComm) {
        public double total() { return compute + exposedComm; }
    }

    /** Where the costs come from. */
    public interface Costs {
        PassCost pass(int stage, PassRef ref);

        /** {@return seconds to send {@code ref}'s output from {@code from} to {@code to}} */
        double send(int from, int to, PassRef ref);
    }

    /** The played pipeline phase: spans (if recorded), per stage when its last pass ended, and pass times. */
    public record Played(List<Span> spans, double[] pipelineEnd, double[] compute, double[] exposed, Times times) {
        /** {@return start and end of a played pass} */
        public double[] passTimes(StagePass sp) {
            int i = times.index(sp.pass().pass(), sp.stage(), sp.pass().chunk(), sp.pass().microBatch());
            return new double[] {times.start[i], times.end[i]};
        }
    }

    /** Start, end and delivery time of every pass, NaN until played. */
    static final class Times {
        final int p, v, m;
        final double[] start, end, delivered;

        Times(int p, int v, int m) {
            this.p = p;
            this.v = v;
            this.m = m;
            int n = Pass.values().length * p * v * m;
            start = new double[n];
            end = new double[n];
            delivered = new double[n];
            Arrays.fill(end, Double.NaN);
            Arrays.fill(delivered, Double.NaN);
        }

        int index(Pass pass, int stage, int chunk, int microBatch) {
            return ((pass.ordinal() * p + stage) * v + chunk) * m + microBatch;
        }
    }

    public static Played play(List<List<PassRef>> orders, int v, Costs costs) {
        return play(orders, v, costs, true);
    }

    /** Plays the orders; {@code recordSpans} false skips building spans (sweeps need only the times). */
    public static Played play(List<List<PassRef>> orders, int v, Costs costs, boolean recordSpans) {
        int p = orders.size();
        int m = 0;
        for (List<PassRef> order : orders) for (PassRef ref : order) m = Math.max(m, ref.microBatch() + 1);
        Times times = new Times(p, v, m);
        int[] next = new int[p];
        double[] compute = new double[p], exposed = new double[p];
        LanePlayer lanes = new LanePlayer(p);
        List<Span> spans = recordSpans ? new ArrayList<>() : List.of();
        int[] remaining = {orders.stream().mapToInt(List::size).sum()};
        LanePlayer.run(p, () -> remaining[0] == 0, s -> {
            List<PassRef> order = orders.get(s);
            boolean progress = false;
            while (next[s] < order.size()) {
                PassRef ref = order.get(next[s]);
                StagePass dep = Dependencies.of(s, ref, p, v);
                double ready = 0;
                if (dep != null) {
                    PassRef d = dep.pass();
                    int di = times.index(d.pass(), dep.stage(), d.chunk(), d.microBatch());
                    ready = dep.stage() == s ? times.end[di] : times.delivered[di];
                    if (Double.isNaN(ready)) break;
                }
                PassCost cost = costs.pass(s, ref);
                double start = lanes.pass(s, ready, cost.total()), end = start + cost.total();
                int self = times.index(ref.pass(), s, ref.chunk(), ref.microBatch());
                times.start[self] = start;
                times.end[self] = end;
                if (recordSpans)
                    spans.add(new Span(s, Lane.COMPUTE, kind(ref.pass()), ref.microBatch(), ref.chunk(), start, end, ref.toString()));
                compute[s] += cost.compute();
                exposed[s] += cost.exposedComm();
                int consumer = Dependencies.consumerStage(s, ref, p, v);
                if (consumer >= 0) {
                    double seconds = costs.send(s, consumer, ref);
                    double sendStart = lanes.send(s, seconds), sendEnd = sendStart + seconds;
                    if (recordSpans && sendEnd > sendStart)
                        spans.add(new Span(s, Lane.COMM, SpanKind.PP_SEND, ref.microBatch(), ref.chunk(), sendStart, sendEnd,
                                "send " + ref + " → stage " + consumer));
                    times.delivered[self] = sendEnd;
                }
                next[s]++;
                remaining[0]--;
                progress = true;
            }
            return progress;
        }, "pipeline order deadlocks: no stage can run its next pass");
        return new Played(spans, lanes.computeClocks(), compute, exposed, times);
    }

    static SpanKind kind(Pass pass) {
        return switch (pass) {
            case F -> SpanKind.FORWARD;
            case B -> SpanKind.BACKWARD_INPUT;
            case W -> SpanKind.BACKWARD_WEIGHT;
            case BW -> SpanKind.BACKWARD;
        };
    }
}

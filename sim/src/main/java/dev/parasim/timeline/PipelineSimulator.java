package dev.parasim.timeline;

import dev.parasim.program.Dependencies;
import dev.parasim.program.Dependencies.StagePass;
import dev.parasim.program.Pass;
import dev.parasim.program.PassRef;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A discrete-event player of per-stage pass orders: each stage runs its passes in order on its compute
 * lane, a pass starts when its stage is free and its dependency has arrived, and an output another
 * stage needs travels on the sender's comm lane (one link per stage, so sends queue behind each other).
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

    /** The played pipeline phase: spans, and per stage when its last pass ended. */
    public record Played(List<Span> spans, double[] pipelineEnd, double[] compute, double[] exposed,
                         Map<StagePass, double[]> passTimes) {}

    public static Played play(List<List<PassRef>> orders, int v, Costs costs) {
        int p = orders.size();
        int[] next = new int[p];
        double[] stageFree = new double[p], commFree = new double[p], compute = new double[p], exposed = new double[p];
        Map<StagePass, Double> finished = new HashMap<>(), delivered = new HashMap<>();
        Map<StagePass, double[]> passTimes = new HashMap<>();
        List<Span> spans = new ArrayList<>();
        int remaining = orders.stream().mapToInt(List::size).sum();
        while (remaining > 0) {
            boolean progress = false;
            for (int s = 0; s < p; s++) {
                while (next[s] < orders.get(s).size()) {
                    PassRef ref = orders.get(s).get(next[s]);
                    StagePass dep = Dependencies.of(s, ref, p, v);
                    Double ready = dep == null ? Double.valueOf(0) : (dep.stage() == s ? finished : delivered).get(dep);
                    if (ready == null) break;
                    PassCost cost = costs.pass(s, ref);
                    double start = Math.max(stageFree[s], ready), end = start + cost.total();
                    spans.add(new Span(s, Lane.COMPUTE, kind(ref.pass()), ref.microBatch(), ref.chunk(), start, end, ref.toString()));
                    StagePass self = new StagePass(s, ref);
                    finished.put(self, end);
                    passTimes.put(self, new double[] {start, end});
                    stageFree[s] = end;
                    compute[s] += cost.compute();
                    exposed[s] += cost.exposedComm();
                    int consumer = Dependencies.consumerStage(s, ref, p, v);
                    if (consumer >= 0) {
                        double sendStart = Math.max(end, commFree[s]);
                        double sendEnd = sendStart + costs.send(s, consumer, ref);
                        if (sendEnd > sendStart)
                            spans.add(new Span(s, Lane.COMM, SpanKind.PP_SEND, ref.microBatch(), ref.chunk(), sendStart, sendEnd,
                                    "send " + ref + " → stage " + consumer));
                        commFree[s] = sendEnd;
                        delivered.put(self, sendEnd);
                    }
                    next[s]++;
                    remaining--;
                    progress = true;
                }
            }
            if (!progress) throw new IllegalStateException("pipeline order deadlocks: no stage can run its next pass");
        }
        return new Played(spans, stageFree, compute, exposed, passTimes);
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

package dev.parasim.timeline;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.StageCost;
import dev.parasim.collective.CollectiveCost;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.cost.ComputeCost;
import dev.parasim.cost.PassTimes;
import dev.parasim.exec.ExecEvent;
import dev.parasim.exec.RankDetail;
import dev.parasim.exec.RankGrid;
import dev.parasim.plan.GroupSpan;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The timeline interpreter over an executed run: replays every rank's event log (what the executor really
 * did, in the order it did it) with durations from the same cost model the closed form uses, so the Gantt
 * of an executed plan shows the executed program, at the speed of the experiment's cluster.
 * <ul>
 * <li>A pass (F, B, W, BW) runs on the rank's compute lane for the cost of its units: embedding, layers,
 *     final norm with the LM head ({@link ComputeCost}), after any receive it waits for.</li>
 * <li>A send runs on the sender's comm lane once the pass that produced it is done and the lane is free
 *     (sends queue, as in {@link PipelineSimulator}); the matching receive completes when the send does. A
 *     tensor-parallel stage logs its slice's send inside the pass, before the pass's own event: such a send
 *     waits for that pass.</li>
 * <li>A collective blocks every member of its group (found from the op's group and {@code RankGrid}):
 *     it starts when the last member reaches it and lasts the α-β time of a ring ({@link CollectiveCost})
 *     for the payload its logged bytes imply. The executed program does not overlap it with compute.</li>
 * <li>The optimizer update takes the accountant's per-stage optimizer time.</li>
 * </ul>
 * The rank that finishes last sets the step; its idle compute time is the bubble.
 */
public final class ExecutedReplay {
    private final Experiment e;
    private final ParallelPlan plan;
    private final RankGrid grid;
    private final ComputeCost compute;
    private final CollectiveCost links;
    private final List<StageCost> stageCosts;
    private final int finalUnit;

    private ExecutedReplay(Experiment e, ParallelPlan plan) {
        this.e = e;
        this.plan = plan;
        this.grid = new RankGrid(plan.dp(), plan.tp(), plan.pp());
        this.compute = new ComputeCost(e.cluster().gpu(), e.training().precision(), e.cluster().calibration());
        this.links = new CollectiveCost(e.cluster().nodeTier(), e.cluster().clusterTier());
        this.stageCosts = Accountant.evaluate(e, plan).stages();
        this.finalUnit = e.model().layers() + 1;
    }

    /** {@return the replayed step of {@code plan}, one row per rank of {@code ranks} (the run's last step)} */
    public static Timeline of(Experiment e, ParallelPlan plan, List<RankDetail> ranks) {
        return new ExecutedReplay(e, plan).play(ranks);
    }

    private Timeline play(List<RankDetail> ranks) {
        int world = ranks.size();
        if (world != grid.world())
            throw new IllegalArgumentException("ranks: must hold all " + grid.world() + " ranks of the plan, found " + world);
        Lanes[] lanes = new Lanes[world];
        for (int r = 0; r < world; r++) {
            if (ranks.get(r).rank() != r) throw new IllegalArgumentException("ranks: must be in rank order, found " + ranks.get(r).rank() + " at " + r);
            lanes[r] = new Lanes();
        }
        Map<String, Double> delivered = new HashMap<>();          // "src>dst:label" → arrival time
        Map<String, double[]> arrivals = new HashMap<>();         // collective instance → members' arrival times
        List<Span> spans = new ArrayList<>();
        int remaining = ranks.stream().mapToInt(d -> d.events().size()).sum();
        while (remaining > 0) {
            boolean progress = false;
            for (int r = 0; r < world; r++) {
                List<ExecEvent> events = ranks.get(r).events();
                Lanes l = lanes[r];
                while (l.next < events.size()) {
                    ExecEvent ev = events.get(l.next);
                    if (!step(r, ev, l, ranks, delivered, arrivals, spans)) break;
                    l.next++;
                    remaining--;
                    progress = true;
                }
                if (l.next == events.size() && !l.deferred.isEmpty()) {   // a send whose pass never showed: send it last
                    for (ExecEvent send : l.deferred) send(r, send, l, delivered, spans);
                    l.deferred.clear();
                    progress = true;
                }
            }
            if (!progress) throw new IllegalStateException("executed event logs deadlock on replay: no rank can run its next event");
        }
        int critical = 0;
        double[] busy = new double[world];
        for (int r = 0; r < world; r++) {
            busy[r] = lanes[r].computeBusy;
            if (lanes[r].end() > lanes[critical].end()) critical = r;
        }
        Lanes c = lanes[critical];
        double step = c.end();
        double bubble = Math.max(0, step - c.computeBusy - c.exposedComm);
        return new Timeline(plan.name(), world, spans, step, c.computeBusy, c.exposedComm, bubble, busy, "rank");
    }

    /** Plays one event of rank r; {@return false if it must wait for another rank} */
    private boolean step(int r, ExecEvent ev, Lanes l, List<RankDetail> ranks, Map<String, Double> delivered,
                         Map<String, double[]> arrivals, List<Span> spans) {
        switch (ev.kind()) {
            case F, B, W, BW -> {
                double start = Math.max(l.compute, l.received);
                double end = start + passSeconds(ev);
                spans.add(new Span(r, Lane.COMPUTE, kind(ev.kind()), ev.microBatch(), Math.max(0, ev.chunk()), start, end, ev.label()));
                l.compute = end;
                l.computeBusy += end - start;
                l.received = 0;
                l.played.add(passKey(ev.kind().name(), ev.microBatch(), ev.chunk()));
                for (var it = l.deferred.iterator(); it.hasNext(); ) {
                    ExecEvent send = it.next();
                    if (l.played.contains(producer(send))) {
                        send(r, send, l, delivered, spans);
                        it.remove();
                    }
                }
            }
            case OPTIMIZER -> {
                double start = Math.max(l.compute, l.received), end = start + stageCosts.get(ranks.get(r).stage()).optimizer();
                spans.add(new Span(r, Lane.COMPUTE, SpanKind.OPTIMIZER, -1, -1, start, end, "optimizer"));
                l.compute = end;
                l.computeBusy += end - start;
            }
            case SEND -> {
                if (l.played.contains(producer(ev))) send(r, ev, l, delivered, spans);
                else l.deferred.add(ev);
            }
            case RECV -> {
                Double at = delivered.get(ev.peer() + ">" + r + ":" + ev.label());
                if (at == null) return false;
                l.received = Math.max(l.received, at);
            }
            case COLLECTIVE -> {
                return collective(r, ev, l, arrivals, spans);
            }
        }
        return true;
    }

    /** Plays a send on rank r's comm lane, after what the rank has computed so far. */
    private void send(int r, ExecEvent ev, Lanes l, Map<String, Double> delivered, List<Span> spans) {
        double start = Math.max(l.compute, l.comm);
        double end = start + links.sendRecv(ev.bytes(), node(r) != node(ev.peer())).seconds();
        if (end > start)
            spans.add(new Span(r, Lane.COMM, SpanKind.PP_SEND, ev.microBatch(), Math.max(0, ev.chunk()), start, end,
                    "send " + ev.label() + " → rank " + ev.peer()));
        l.comm = end;
        delivered.put(r + ">" + ev.peer() + ":" + ev.label(), end);
    }

    /** {@return the pass that produced a send: its label's pass (F, B or BW) and micro-batch on the sender's chunk} */
    private static String producer(ExecEvent send) {
        String label = send.label();
        int digits = 0;
        while (digits < label.length() && Character.isLetter(label.charAt(digits))) digits++;
        return passKey(label.substring(0, digits), send.microBatch(), send.chunk());
    }

    private static String passKey(String pass, int microBatch, int chunk) {
        return pass + microBatch + "." + Math.max(0, chunk);
    }

    /** A blocking collective: waits for every member, then occupies all of them for the ring's time. */
    private boolean collective(int r, ExecEvent ev, Lanes l,
                               Map<String, double[]> arrivals, List<Span> spans) {
        RankGrid.Group group = group(ev.label());
        int[] members = grid.members(group, r);
        int occurrence = l.occurrences.getOrDefault(ev.label(), 0);
        String key = ev.label() + "#" + occurrence + "@" + members[0];
        double[] at = arrivals.computeIfAbsent(key, k -> {
            double[] a = new double[members.length];
            java.util.Arrays.fill(a, Double.NaN);
            return a;
        });
        int self = grid.indexIn(group, r);
        if (Double.isNaN(at[self])) at[self] = Math.max(Math.max(l.compute, l.comm), l.received);   // e.g. a TP AllGather of a received slice
        for (double a : at) if (Double.isNaN(a)) return false;      // a member has not reached it yet
        double start = 0;
        for (double a : at) start = Math.max(start, a);
        double end = start + collectiveSeconds(ev, members);
        if (end > start)
            spans.add(new Span(r, Lane.COMM, group == RankGrid.Group.TP ? SpanKind.TP_COMM : SpanKind.DP_COMM, -1, -1, start, end,
                    ev.label()));
        l.exposedComm += end - start;
        l.compute = end;
        l.comm = end;
        l.occurrences.merge(ev.label(), 1, Integer::sum);
        return true;
    }

    /** {@return seconds of a pass: the cost model's time for the units it ran} */
    private double passSeconds(ExecEvent ev) {
        PassTimes t = PassTimes.ZERO;
        int b = e.training().microBatch();
        for (int u = ev.firstUnit(); u <= ev.lastUnit(); u++)
            t = t.plus(u == 0 ? compute.embedding(e.model(), plan, b)
                    : u == finalUnit ? compute.head(e.model(), plan, b)
                    : compute.layer(e.model(), plan, b, e.training().recompute()));
        return switch (ev.kind()) {
            case F -> t.forward();
            case B -> t.backwardInput();
            case W -> t.backwardWeight();
            case BW -> t.backward();
            default -> throw new IllegalArgumentException("not a pass: " + ev.kind());
        };
    }

    /** {@return the ring time of the collective whose logged bytes this rank sent} */
    private double collectiveSeconds(ExecEvent ev, int[] members) {
        int n = members.length;
        if (n == 1 || ev.bytes() == 0) return 0;
        CollectiveKind kind = kind(ev.label());
        double payload = ev.bytes() / kind.busBandwidthFactor(n);       // NCCL PERFORMANCE.md: sent = factor(n)·S
        Map<Integer, Integer> perNode = new HashMap<>();
        for (int m : members) perNode.merge(node(m), 1, Integer::sum);
        int most = perNode.values().stream().mapToInt(Integer::intValue).max().orElse(1);
        return links.of(kind, payload, new GroupSpan(n, most, perNode.size())).seconds();
    }

    private int node(int rank) { return rank / e.cluster().gpusPerNode(); }

    /** {@return the collective kind of an op label such as {@code RingAllReduce[DP]}} */
    static CollectiveKind kind(String label) {
        if (label.startsWith("RingAllReduce") || label.startsWith("HalvingDoublingAllReduce")) return CollectiveKind.ALL_REDUCE;
        if (label.startsWith("RingReduceScatter")) return CollectiveKind.REDUCE_SCATTER;
        if (label.startsWith("RingAllGather")) return CollectiveKind.ALL_GATHER;
        if (label.startsWith("ChainBroadcast")) return CollectiveKind.BROADCAST;
        throw new IllegalArgumentException("label: not a known collective op, found " + label);
    }

    /** {@return the group named in brackets at the end of an op label (DP when none is named)} */
    static RankGrid.Group group(String label) {
        int open = label.lastIndexOf('['), close = label.lastIndexOf(']');
        return open < 0 || close < open ? RankGrid.Group.DP : RankGrid.Group.valueOf(label.substring(open + 1, close));
    }

    private static SpanKind kind(ExecEvent.Kind kind) {
        return switch (kind) {
            case F -> SpanKind.FORWARD;
            case B -> SpanKind.BACKWARD_INPUT;
            case W -> SpanKind.BACKWARD_WEIGHT;
            case BW -> SpanKind.BACKWARD;
            default -> throw new IllegalArgumentException("not a pass: " + kind);
        };
    }

    /** One rank's replay state: where its compute and comm lanes are, and what it has accumulated. */
    private static final class Lanes {
        int next;
        double compute, comm, received, computeBusy, exposedComm;
        final Map<String, Integer> occurrences = new HashMap<>();
        /** Passes played so far ("F3.0"), and sends logged before the pass that produced them. */
        final java.util.Set<String> played = new java.util.HashSet<>();
        final List<ExecEvent> deferred = new ArrayList<>();

        double end() { return Math.max(compute, comm); }
    }
}

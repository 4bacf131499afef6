package dev.parasim.timeline;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.StageCost;
import dev.parasim.collective.CollectiveCost;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.cost.ComputeCost;
import dev.parasim.cost.PassTimes;
import dev.parasim.plan.Axis;
import dev.parasim.plan.GroupSpan;
import dev.parasim.plan.RankLayout;
import dev.parasim.program.ExecutedEvent;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The timeline interpreter over an executed run: replays every rank's event log (what the executor really
 * did, in the order it did it) by the same lane rules as the program's timeline ({@link LanePlayer}, a lane per
 * rank) with durations from the same cost model the closed form uses, so the Gantt of an executed plan shows the
 * executed program, at the speed of the experiment's cluster.
 * <ul>
 * <li>A pass (F, B, W, BW) runs on the rank's compute lane for the cost of its units: embedding, layers,
 *     final norm with the LM head ({@link ComputeCost}), after any receive it waits for.</li>
 * <li>A send runs on the sender's comm lane once the pass that produced it is done and the lane is free
 *     (sends queue, as in {@link PipelineSimulator}); the matching receive completes when the send does. A
 *     tensor-parallel stage logs its slice's send inside the pass, before the pass's own event: such a send
 *     waits for that pass.</li>
 * <li>A collective blocks every member of its group (the event's group placed by {@link RankLayout}):
 *     it starts when the last member reaches it and lasts the α-β time of a ring ({@link CollectiveCost})
 *     for the payload its logged bytes imply. The executed program does not overlap it with compute.</li>
 * <li>The optimizer update takes the accountant's per-stage optimizer time.</li>
 * </ul>
 * The rank that finishes last sets the step; its idle compute time is the bubble. Events are typed
 * ({@link ExecutedEvent}): sends match receives by the pass they feed, collectives by kind, group and occurrence.
 */
public final class ExecutedReplay {
    private final Experiment e;
    private final ParallelPlan plan;
    private final RankLayout layout;
    private final ComputeCost compute;
    private final CollectiveCost links;
    private final List<StageCost> stageCosts;
    private final int finalUnit;

    private ExecutedReplay(Experiment e, ParallelPlan plan) {
        this.e = e;
        this.plan = plan;
        this.layout = RankLayout.of(plan, e.cluster());
        this.compute = new ComputeCost(e.cluster().gpu(), e.training().precision(), e.cluster().calibration());
        this.links = new CollectiveCost(e.cluster().nodeTier(), e.cluster().clusterTier());
        this.stageCosts = Accountant.evaluate(e, plan).stages();
        this.finalUnit = e.model().layers() + 1;
    }

    /** {@return the replayed step of {@code plan}, one row per rank: {@code eventsByRank} holds every rank's log (the run's last step), in rank order} */
    public static Timeline of(Experiment e, ParallelPlan plan, List<List<ExecutedEvent>> eventsByRank) {
        return new ExecutedReplay(e, plan).play(eventsByRank);
    }

    private Timeline play(List<List<ExecutedEvent>> ranks) {
        int world = ranks.size();
        int expected = plan.dp() * plan.tp() * plan.pp() * plan.cp();
        if (world != expected)
            throw new IllegalArgumentException("ranks: must hold all " + expected + " ranks of the plan, found " + world);
        LanePlayer player = new LanePlayer(world);
        Lanes[] lanes = new Lanes[world];
        for (int r = 0; r < world; r++) lanes[r] = new Lanes(player);
        Map<Message, Double> delivered = new HashMap<>();         // message → arrival time
        Map<Instance, double[]> arrivals = new HashMap<>();       // collective instance → members' arrival times
        List<Span> spans = new ArrayList<>();
        int[] remaining = {ranks.stream().mapToInt(List::size).sum()};
        LanePlayer.run(world, () -> remaining[0] == 0, r -> {
            List<ExecutedEvent> events = ranks.get(r);
            Lanes l = lanes[r];
            boolean progress = false;
            while (l.next < events.size()) {
                ExecutedEvent ev = events.get(l.next);
                if (!step(r, ev, l, delivered, arrivals, spans)) break;
                l.next++;
                remaining[0]--;
                progress = true;
            }
            if (l.next == events.size() && !l.deferred.isEmpty()) {   // a send whose pass never showed: send it last
                for (ExecutedEvent send : l.deferred) send(r, send, l, delivered, spans);
                l.deferred.clear();
                progress = true;
            }
            return progress;
        }, "executed event logs deadlock on replay: no rank can run its next event");
        double[] busy = new double[world], exposed = new double[world];
        double step = 0;
        for (int r = 0; r < world; r++) {
            busy[r] = lanes[r].computeBusy;
            exposed[r] = lanes[r].exposedComm;
            step = Math.max(step, player.end(r));
        }
        Lanes c = lanes[Timelines.busiest(busy, exposed)];
        double bubble = Math.max(0, step - c.computeBusy - c.exposedComm);
        return new Timeline(plan.name(), world, spans, step, c.computeBusy, c.exposedComm, bubble, busy, "rank");
    }

    /** Plays one event of rank r; {@return false if it must wait for another rank} */
    private boolean step(int r, ExecutedEvent ev, Lanes l, Map<Message, Double> delivered,
                         Map<Instance, double[]> arrivals, List<Span> spans) {
        switch (ev.kind()) {
            case F, B, W, BW -> {
                double seconds = passSeconds(ev);
                double start = l.player.pass(r, l.received, seconds), end = start + seconds;
                spans.add(new Span(r, Lane.COMPUTE, kind(ev.kind()), ev.microBatch(), Math.max(0, ev.chunk()), start, end, ev.label()));
                l.computeBusy += end - start;
                l.received = 0;
                l.played.add(new PassRef(ev.pass(), ev.microBatch(), Math.max(0, ev.chunk())));
                for (var it = l.deferred.iterator(); it.hasNext(); ) {
                    ExecutedEvent send = it.next();
                    if (l.played.contains(producer(send))) {
                        send(r, send, l, delivered, spans);
                        it.remove();
                    }
                }
            }
            case OPTIMIZER -> {
                double seconds = stageCosts.get(r / layout.stride(Axis.PP)).optimizer();
                double start = l.player.pass(r, l.received, seconds), end = start + seconds;
                spans.add(new Span(r, Lane.COMPUTE, SpanKind.OPTIMIZER, -1, -1, start, end, "optimizer"));
                l.computeBusy += end - start;
            }
            case SEND -> {
                if (l.played.contains(producer(ev))) send(r, ev, l, delivered, spans);
                else l.deferred.add(ev);
            }
            case RECV -> {
                Double at = delivered.get(new Message(ev.peer(), r, ev.feeds()));
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
    private void send(int r, ExecutedEvent ev, Lanes l, Map<Message, Double> delivered, List<Span> spans) {
        double seconds = links.sendRecv(ev.bytes(), node(r) != node(ev.peer())).seconds();
        double start = l.player.send(r, seconds), end = start + seconds;
        if (end > start)
            spans.add(new Span(r, Lane.COMM, SpanKind.PP_SEND, ev.microBatch(), Math.max(0, ev.chunk()), start, end,
                    "send " + ev.label() + " → rank " + ev.peer()));
        delivered.put(new Message(r, ev.peer(), ev.feeds()), end);
    }

    /** {@return the pass that produced a send: the pass it feeds (F, B or BW: the sender ran the same) on the sender's chunk} */
    private static PassRef producer(ExecutedEvent send) {
        return new PassRef(send.pass(), send.microBatch(), Math.max(0, send.chunk()));
    }

    /** A blocking collective: waits for every member, then occupies all of them for the ring's time. */
    private boolean collective(int r, ExecutedEvent ev, Lanes l,
                               Map<Instance, double[]> arrivals, List<Span> spans) {
        int[] members = members(ev.group(), r);
        Op op = new Op(ev.collective(), ev.group());
        int occurrence = l.occurrences.getOrDefault(op, 0);
        Instance key = new Instance(op, occurrence, members[0]);
        double[] at = arrivals.computeIfAbsent(key, k -> {
            double[] a = new double[members.length];
            java.util.Arrays.fill(a, Double.NaN);
            return a;
        });
        int self = java.util.Arrays.binarySearch(members, r);
        if (Double.isNaN(at[self])) at[self] = l.player.arrival(r, l.received);   // e.g. a TP AllGather of a received slice
        for (double a : at) if (Double.isNaN(a)) return false;      // a member has not reached it yet
        double start = 0;
        for (double a : at) start = Math.max(start, a);
        double end = start + collectiveSeconds(ev, members);
        if (end > start)
            spans.add(new Span(r, Lane.COMM, ev.group() == ExecutedEvent.Group.TP ? SpanKind.TP_COMM : SpanKind.DP_COMM, -1, -1, start, end,
                    ev.label()));
        l.exposedComm += end - start;
        l.player.hold(r, end);
        l.occurrences.merge(op, 1, Integer::sum);
        return true;
    }

    /** {@return seconds of a pass: the cost model's time for the units it ran} */
    private double passSeconds(ExecutedEvent ev) {
        PassTimes t = PassTimes.ZERO;
        int b = e.training().microBatch();
        for (int u = ev.firstUnit(); u <= ev.lastUnit(); u++)
            t = t.plus(u == 0 ? compute.embedding(e.model(), plan, b)
                    : u == finalUnit ? compute.head(e.model(), plan, b)
                    : compute.layer(e.model(), plan, b, e.training().recompute(), e.training().recomputeEarlyStop()));
        return switch (ev.kind()) {
            case F -> t.forward();
            case B -> t.backwardInput();
            case W -> t.backwardWeight();
            case BW -> t.backward();
            default -> throw new IllegalArgumentException("not a pass: " + ev.kind());
        };
    }

    /** {@return the ring time of the collective whose logged bytes this rank sent} */
    private double collectiveSeconds(ExecutedEvent ev, int[] members) {
        int n = members.length;
        if (n == 1 || ev.bytes() == 0) return 0;
        CollectiveKind kind = ev.collective();
        double payload = ev.bytes() / kind.busBandwidthFactor(n);       // NCCL PERFORMANCE.md: sent = factor(n)·S
        Map<Integer, Integer> perNode = new HashMap<>();
        for (int m : members) perNode.merge(node(m), 1, Integer::sum);
        int most = perNode.values().stream().mapToInt(Integer::intValue).max().orElse(1);
        return links.of(kind, payload, new GroupSpan(n, most, perNode.size())).seconds();
    }

    private int node(int rank) { return rank / e.cluster().gpusPerNode(); }

    /**
     * {@return the members of rank r's group, in rank order, placed by {@link RankLayout} (TP innermost, then CP, DP, PP)}:
     * DP and TP vary one coordinate; the embedding group is the replica's first and last stage
     */
    private int[] members(ExecutedEvent.Group group, int r) {
        return switch (group) {
            case DP -> along(Axis.DP, r);
            case TP -> along(Axis.TP, r);
            case EMBEDDING -> {
                int stride = layout.stride(Axis.PP), first = r % stride, last = first + (plan.pp() - 1) * stride;
                yield first == last ? new int[] {first} : new int[] {first, last};
            }
        };
    }

    private int[] along(Axis axis, int r) {
        int stride = layout.stride(axis), n = layout.degree(axis);
        int base = r - (r / stride) % n * stride;
        int[] out = new int[n];
        for (int k = 0; k < n; k++) out[k] = base + k * stride;
        return out;
    }

    private static SpanKind kind(ExecutedEvent.Kind kind) {
        return switch (kind) {
            case F -> SpanKind.FORWARD;
            case B -> SpanKind.BACKWARD_INPUT;
            case W -> SpanKind.BACKWARD_WEIGHT;
            case BW -> SpanKind.BACKWARD;
            default -> throw new IllegalArgumentException("not a pass: " + kind);
        };
    }

    /** One rank's replay state besides its lane clocks ({@link LanePlayer}): what it has received and accumulated. */
    private static final class Lanes {
        final LanePlayer player;
        int next;
        double received, computeBusy, exposedComm;
        final Map<Op, Integer> occurrences = new HashMap<>();
        /** Passes played so far, and sends logged before the pass that produced them. */
        final java.util.Set<PassRef> played = new java.util.HashSet<>();
        final List<ExecutedEvent> deferred = new ArrayList<>();

        Lanes(LanePlayer player) {
            this.player = player;
        }
    }

    /** A message in flight: sender, receiver and the pass it feeds. */
    private record Message(int src, int dst, PassRef feeds) {}

    /** A collective as the replay counts its occurrences: kind and group. */
    private record Op(CollectiveKind kind, ExecutedEvent.Group group) {}

    /** One collective instance: its occurrence on the group whose first member is {@code first}. */
    private record Instance(Op op, int occurrence, int first) {}
}

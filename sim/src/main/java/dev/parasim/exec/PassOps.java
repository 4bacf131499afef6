package dev.parasim.exec;

import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.program.Buffer;
import dev.parasim.program.Group;
import dev.parasim.program.Instruction;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Maps one pass's step-program body ({@code program.StageProgram.body}) onto the ops the executor runs, so a pass's
 * collectives are the program's and not a second derivation of them (as {@link EpilogueOps} does for the step's
 * end). The executor keeps its own interleaving — where a unit's ops sit among its compute ({@link ZeroPasses},
 * {@link TpPassOps}), which its buffers decide — and asks this mapper for a unit's collective there; the mapper takes the next instruction of that collective's kind from the body, in the
 * body's order, and checks it is the one the executor needs:
 * <ul>
 * <li>{@link #gather}: ZeRO-3's {@code ALL_GATHER} on DP of {@code GATHERED_PARAMETERS u} (with its {@code Allocate})
 *     into the transient padded {@code pg<u>};</li>
 * <li>{@link #release}: the {@code Free} of {@code GATHERED_PARAMETERS u} (a release has no order: the executor frees
 *     the tied unit 0 after the head on a one-stage pipeline);</li>
 * <li>{@link #reduce}: under sequence parallelism the {@code ALL_REDUCE} on TP of each {@code SP_PARTIAL_GRADIENT} of
 *     unit u ({@link TpPassOps#partialSegs}), then ZeRO-2/3's {@code REDUCE_SCATTER} on DP of {@code GRADIENTS u} on
 *     the transient padded {@code gt<u>}.</li>
 * </ul>
 * Elements must match (up to padding to the DP group) and units must be the body's, in its order; {@link #finish}
 * fails on an instruction no op took. The program leaves out collectives on one-rank groups; with dp = 1 the executor
 * still runs its one-rank ops (local copies whose buffers the accountant charges), so the mapper then builds their
 * segments itself. Three more take the rest of a body:
 * <ul>
 * <li>{@link #compute}: the pass's one {@code Compute}, whose stage-local units must be the ones the executor's pass
 *     runs;</li>
 * <li>{@link #links}: its {@code Receive} and {@code Send}, whose peer stages and elements must be the ones of the
 *     executor's pipeline edges ({@link PipelineLinks});</li>
 * <li>{@link #tensorParallel}: the TP group's collectives inside a TP pass ({@link TpStagePass}) — the blocks' and
 *     embedding's {@code TP_ACTIVATION} AllReduces (or SP's ReduceScatters and AllGathers), the vocabulary-parallel
 *     loss's {@code TP_LOSS_STATISTICS} (one instruction per segment: the executor sums two in one ring) and the
 *     AllGather of a received {@code BOUNDARY_ACTIVATION} or {@code BOUNDARY_GRADIENT} slice — kind and elements of
 *     each, in the body's order.</li>
 * </ul>
 * What is left of a body is the {@code Allocate}/{@code Free} of its activations, which the executor meters from
 * the tensors it keeps (tests hold the peaks equal to the accountant's). Anything else (CP, another DP buffer) has no
 * place and fails.
 */
final class PassOps {
    /** The buffers of a TP pass's own collectives. */
    private static final Set<Buffer.Kind> TP_BUFFERS = EnumSet.of(Buffer.Kind.TP_ACTIVATION,
            Buffer.Kind.TP_LOSS_STATISTICS, Buffer.Kind.BOUNDARY_ACTIVATION, Buffer.Kind.BOUNDARY_GRADIENT);

    private final StrategyProgram prog;
    private final PassRef ref;
    private final Deque<Instruction.Collective> gathers = new ArrayDeque<>(), reduces = new ArrayDeque<>(), sums = new ArrayDeque<>(),
            tensorParallel = new ArrayDeque<>();
    private final Deque<Instruction.Compute> computes = new ArrayDeque<>();
    private final Deque<Instruction> links = new ArrayDeque<>();
    private final List<Instruction.Allocate> allocations = new ArrayList<>();
    private final List<Instruction.Free> frees = new ArrayList<>();

    private PassOps(StrategyProgram prog, PassRef ref) {
        this.prog = prog;
        this.ref = ref;
        for (Instruction i : prog.body(ref)) {
            if (i instanceof Instruction.Collective c) take(c);
            else if (i instanceof Instruction.Compute c) computes.add(c);
            else if (i instanceof Instruction.Send || i instanceof Instruction.Receive) links.add(i);
            else if (i instanceof Instruction.Allocate a && a.buffer().kind() == Buffer.Kind.GATHERED_PARAMETERS) allocations.add(a);
            else if (i instanceof Instruction.Free f && f.buffer().kind() == Buffer.Kind.GATHERED_PARAMETERS) frees.add(f);
            else if (i instanceof Instruction.OptimizerStep) fail(i, "passes (the optimizer runs in the epilogue)");
        }
    }

    /** {@return the mapper of pass {@code ref}'s body in {@code prog}'s stage program} */
    static PassOps of(StrategyProgram prog, PassRef ref) { return new PassOps(prog, ref); }

    private void take(Instruction.Collective c) {
        Buffer.Kind buffer = c.buffer().kind();
        if (c.group() == Group.DP && c.kind() == CollectiveKind.ALL_GATHER && buffer == Buffer.Kind.GATHERED_PARAMETERS) gathers.add(c);
        else if (c.group() == Group.DP && c.kind() == CollectiveKind.REDUCE_SCATTER && buffer == Buffer.Kind.GRADIENTS) reduces.add(c);
        else if (c.group() == Group.TP && c.kind() == CollectiveKind.ALL_REDUCE && buffer == Buffer.Kind.SP_PARTIAL_GRADIENT) sums.add(c);
        else if (c.group() == Group.TP && TP_BUFFERS.contains(buffer)) tensorParallel.add(c);
        else fail(c, "pass ops");
    }

    /** Takes the pass's compute: fails unless it runs exactly the stage-local {@code units}, in order. */
    void compute(int[] units) {
        Instruction.Compute c = computes.poll();
        if (c == null) throw new IllegalStateException("the step program's " + ref + " computes nothing, where the executor's pass runs units "
                + Arrays.toString(units));
        boolean same = c.pass() == ref.pass() && units.length == c.lastUnit() - c.firstUnit() + 1;
        for (int k = 0; same && k < units.length; k++) same = units[k] == c.firstUnit() + k;
        check(same, c, "pass over units " + Arrays.toString(units));
    }

    /**
     * Takes the pass's pipeline edges: fails unless the body receives from and sends to the stages the executor's pass
     * does ({@link PipelineLinks}), {@code elements} each (the whole boundary tensor, or a TP rank's slice of it).
     */
    void links(StageLayout layout, long elements) {
        Pass pass = ref.pass();
        int chunk = ref.chunk();
        if (PipelineLinks.receives(layout, pass, chunk)) {
            int from = PipelineLinks.sourceStage(layout, pass);
            Instruction i = next(links, "receive from stage " + from);
            check(i instanceof Instruction.Receive r && r.peerStage() == from && r.elements() == elements, i,
                    "receive of " + elements + " elements from stage " + from);
        }
        if (PipelineLinks.sends(layout, pass, chunk)) {
            int to = PipelineLinks.destinationStage(layout, pass);
            Instruction i = next(links, "send to stage " + to);
            check(i instanceof Instruction.Send s && s.peerStage() == to && s.elements() == elements, i,
                    "send of " + elements + " elements to stage " + to);
        }
    }

    /**
     * TP: the op of the body's next {@code segs.size()} TP collectives, one per segment, each {@code kind} on
     * {@code buffer} with the segment's elements; {@code max} reduces by maximum (the loss's row maxima).
     */
    Op tensorParallel(CollectiveKind kind, Buffer.Kind buffer, List<Seg> segs, boolean max) {
        for (Seg seg : segs) {
            Instruction.Collective c = next(tensorParallel, kind + " of " + buffer + " on TP");
            check(c.kind() == kind && c.buffer().kind() == buffer && c.elements() == seg.length(), c,
                    kind + " of " + buffer + " on TP of " + seg.length() + " elements");
        }
        return ring(kind, segs, max);
    }

    /** {@return the ring op on TP that runs {@code kind} over {@code segs}} */
    static Op ring(CollectiveKind kind, List<Seg> segs, boolean max) {
        return switch (kind) {
            case ALL_REDUCE -> max ? RingAllReduce.max(segs, RankGrid.Group.TP) : new RingAllReduce(segs, RankGrid.Group.TP);
            case REDUCE_SCATTER -> new RingReduceScatter(segs, RankGrid.Group.TP);
            case ALL_GATHER -> new RingAllGather(segs, RankGrid.Group.TP);
            default -> throw new IllegalArgumentException("no TP ring op runs " + kind);
        };
    }

    /** ZeRO-3: allocates {@code units}' transient padded buffers and AllGathers their parameter shards, sharing rounds. */
    void gather(List<Op> out, int[] units) {
        List<Seg> segs = new ArrayList<>();
        for (int u : units) {
            if (dataParallel()) {
                Instruction.Collective c = next(gathers, "ZeRO-3 gather of unit " + u);
                checkUnit(c, u, "gather");
                Instruction.Allocate a = remove(allocations, Buffer.of(Buffer.Kind.GATHERED_PARAMETERS, u), c);
                check(a.bytes() == prog.padded(u) * (long) c.elementBytes(), a, "gathered unit " + u + " of " + prog.padded(u) + " elements");
            }
            out.add(LocalOp.of(LocalOp.Action.GATHER, u));
            segs.add(Seg.whole("pg" + u, prog.padded(u)));
        }
        out.add(new RingAllGather(segs));
    }

    /** ZeRO-3: frees {@code units}' gathered parameters. */
    void release(List<Op> out, int[] units) {
        for (int u : units) {
            if (dataParallel()) {
                Buffer gathered = Buffer.of(Buffer.Kind.GATHERED_PARAMETERS, u);
                if (!frees.removeIf(f -> f.buffer().equals(gathered)))
                    throw new IllegalStateException("the step program's " + ref + " frees no gathered unit " + u
                            + ", which the executor's pass releases");
            }
            out.add(LocalOp.of(LocalOp.Action.RELEASE, u));
        }
    }

    /** ZeRO-2/3: under SP the TP sum of {@code units}' partial gradients, then the ReduceScatter of their transient gradients and their accumulation. */
    void reduce(List<Op> out, int[] units) {
        if (prog.tp > 1 && prog.tpMode.gathers()) {
            List<Seg> segs = new ArrayList<>();
            for (int u : units)
                for (Seg seg : TpPassOps.partialSegs(prog.tensorParallel().shards(), prog.layout, new int[] {u}, "gt")) {
                    Instruction.Collective c = next(sums, "SP partial-gradient sum of unit " + u);
                    checkUnit(c, u, "SP sum");
                    check(c.elements() == seg.length(), c, "partial tensor of " + seg.length() + " elements in unit " + u);
                    segs.add(seg);
                }
            out.add(new RingAllReduce(segs, RankGrid.Group.TP));
            out.add(new ZeroPasses.Yield());   // the ReduceScatter starts in a superstep of its own
        }
        List<Seg> segs = new ArrayList<>();
        for (int u : units) {
            if (dataParallel()) checkUnit(next(reduces, "ZeRO-2/3 reduce-scatter of unit " + u), u, "reduce-scatter");
            segs.add(Seg.whole("gt" + u, prog.padded(u)));
        }
        out.add(new RingReduceScatter(segs));
        for (int u : units) out.add(LocalOp.of(LocalOp.Action.ACCUMULATE, u));
    }

    /** Fails if the body holds a mapped instruction no op of the pass took. */
    void finish() {
        for (Deque<Instruction.Collective> left : List.of(gathers, reduces, sums, tensorParallel))
            if (!left.isEmpty()) fail(left.peek(), "pass " + ref + " (no op of it takes this)");
        if (!computes.isEmpty()) fail(computes.peek(), "pass " + ref + " (it computes once)");
        if (!links.isEmpty()) fail(links.peek(), "pass " + ref + " (no edge of it sends or receives this)");
        if (!allocations.isEmpty()) fail(allocations.get(0), "pass " + ref + " (no gather of it allocates this)");
        if (!frees.isEmpty()) fail(frees.get(0), "pass " + ref + " (no release of it frees this)");
    }

    /** {@return whether the DP group has more than one rank, so the program holds its collectives} */
    private boolean dataParallel() { return prog.strategy.dp() > 1; }

    private <I extends Instruction> I next(Deque<I> queue, String what) {
        I c = queue.poll();
        if (c == null) throw new IllegalStateException("the step program's " + ref + " has no " + what + ", which the executor's pass runs");
        return c;
    }

    /** Checks {@code c} is unit {@code u}'s and, on DP, that its elements pad to the unit's padded length. */
    private void checkUnit(Instruction.Collective c, int u, String what) {
        check(c.buffer().unit() == u, c, what + " of unit " + u + " (the body's next)");
        if (c.group() == Group.DP)
            check(Chunking.padded(c.elements(), prog.strategy.dp()) == prog.padded(u), c, "unit " + u + " padded to " + prog.padded(u));
    }

    private Instruction.Allocate remove(List<Instruction.Allocate> list, Buffer buffer, Instruction.Collective c) {
        for (int k = 0; k < list.size(); k++)
            if (list.get(k).buffer().equals(buffer)) return list.remove(k);
        throw new IllegalStateException("the step program's " + ref + " allocates no " + buffer + " for its " + c);
    }

    private void check(boolean fits, Instruction i, String buffer) {
        if (!fits) fail(i, buffer);
    }

    private void fail(Instruction i, String buffer) {
        throw new IllegalStateException("the step program's " + i + " in " + ref + " does not fit the executor's " + buffer);
    }
}

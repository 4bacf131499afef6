package dev.parasim.exec;

import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.model.TpMode;
import dev.parasim.program.Dependencies;
import dev.parasim.program.Pass;
import dev.parasim.program.PassRef;
import dev.parasim.program.PipelineOrder;

import java.nio.ByteBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One stage's micro-batches of a step, run in the stage's pass order from
 * {@link PipelineOrder#of} (GPipe, 1F1B, interleaved 1F1B, ZB-H1). Each call (one superstep) runs the
 * next pass if its input has arrived — a forward needs the previous virtual stage's activation, a
 * backward the next one's gradient — and sends its output at once: b·s·h elements of the working type
 * per boundary per micro-batch per direction, tagged with the receiver's pass. A micro-batch's
 * activations live from its forward to its backward (BW, or B under ZB-H1), so the measured activation
 * peak follows the schedule. ZB-H1's B computes the weight gradient with the input gradient (the model's
 * backward is fused) and holds it until W adds it into the gradient buffers. Under ZeRO-2/3 each pass
 * runs between the ZeRO ops of {@link ZeroPasses} (gathers before, reduce-scatters after), one round per superstep.
 */
public final class PipelineOp implements Op {
    private static final long serialVersionUID = 1L;

    private final StageLayout layout;
    private final int microBatches;
    /** The stage's pass order, looked up again where the op runs (program.PassRef is not serializable). */
    private transient List<PassRef> order;

    private final int tp;
    private final TpMode tpMode;

    public PipelineOp(StageLayout layout, int microBatches) { this(layout, microBatches, 1, TpMode.TENSOR); }

    /**
     * The stage's passes on a TP group of {@code tp} ranks in {@code tpMode} (each pass then runs TP
     * collectives; under SEQUENCE also the backward re-gathers of the qkv/fc1 inputs).
     */
    public PipelineOp(StageLayout layout, int microBatches, int tp, TpMode tpMode) {
        this.layout = layout;
        this.microBatches = microBatches;
        this.tp = tp;
        this.tpMode = tpMode;
    }

    /** {@return the stage's pass order} */
    public List<PassRef> order() {
        if (order == null)
            order = PipelineOrder.of(layout.schedule(), layout.pp(), microBatches, layout.chunks()).get(layout.stage());
        return order;
    }

    /**
     * {@return supersteps the op is expected to take}: one per pass plus the fill and drain of the
     * pipeline, 2(p − 1) (a lower bound when stages wait longer; the engine runs on until all finish)
     */
    @Override
    public int rounds(int n) {
        if (tp == 1) return order().size() + 2 * (layout.pp() - 1);
        // A TP pass takes one superstep plus its collectives' rounds; fill and drain take 2(p − 1) of the longest.
        int total = 0, longest = 0;
        for (PassRef ref : order()) {
            int pass = 1;
            for (Op op : TpStagePass.ops(ref, layout, tp, tpMode, 1, 1)) pass += op.rounds(tp);
            total += pass;
            longest = Math.max(longest, pass);
        }
        return total + 2 * (layout.pp() - 1) * longest;
    }

    @Override
    public boolean loggedAsCollective() { return false; }

    /** {@return the tag of the message feeding pass {@code pass} of micro-batch mb, chunk c on the receiver} */
    static int tag(Pass pass, int mb, int chunk, int chunks) {
        return ((mb * chunks + chunk) << 1) | (pass == Pass.F ? 0 : 1);
    }

    @Override
    public boolean advance(RankState rank, int round) {
        if (round == 0) rank.scratch = new Live(this);
        Live live = live(rank);
        if (program(rank).tp() > 1) return advanceTensorParallel(rank, live, round);
        List<PassRef> order = order();
        PassRef ref = order.get(live.next);
        if (live.zero == null) live.zero = ZeroPasses.Around.of(program(rank), ref);
        boolean ran = live.zero.advance(rank, round, () -> switch (ref.pass()) {
            case F -> forward(rank, live, ref, round);
            case B, BW -> backward(rank, live, ref, round);
            case W -> weights(rank, live, ref, round);
        });
        if (!ran) return false;
        live.zero = null;
        live.next++;
        if (live.next < order.size()) return false;
        if (!live.passes.isEmpty() || !live.pending.isEmpty())
            throw new IllegalStateException("rank " + rank.rank() + ": micro-batches still live after the step: " + live.passes.keySet());
        rank.scratch = null;
        return true;
    }

    /**
     * A TP stage: the current pass is a list of ops ({@link TpStagePass}) whose collectives take one round
     * per superstep; a pass starts only when its pipeline input has arrived.
     */
    private boolean advanceTensorParallel(RankState rank, Live live, int round) {
        StrategyProgram prog = program(rank);
        int tokens = prog.strategy.microBatch() * ((GptExecModel) prog.model).config().seqLen();
        int activation = prog.model.activationElements(prog.strategy.microBatch());
        if (round == 0) {
            rank.alloc("tpx", MemCategory.COMM_BUFFERS, prog.strategy.precision().working(), activation);
            rank.alloc("tpl", MemCategory.COMM_BUFFERS, Dtype.F32, 2 * tokens);
            if (tpMode.gathers()) rank.alloc("tpy", MemCategory.COMM_BUFFERS, prog.strategy.precision().working(), activation);
        }
        List<PassRef> order = order();
        PassRef current = order.get(live.next);
        if (live.zero == null) live.zero = ZeroPasses.Around.of(prog, current);
        if (!live.zero.advance(rank, round, () -> tensorParallelPass(rank, live, prog, current, round, tokens, activation)))
            return false;
        live.zero = null;
        live.next++;
        rank.noteInFlight(live.tp.size(), rank.memory().live(MemCategory.ACTIVATIONS));
        if (live.next < order.size()) return false;
        rank.free("tpx");
        rank.free("tpl");
        if (tpMode.gathers()) rank.free("tpy");
        rank.scratch = null;
        return true;
    }

    /** Runs TP pass {@code ref}'s ops once its pipeline input has arrived; {@return true when the pass is done and logged} */
    private boolean tensorParallelPass(RankState rank, Live live, StrategyProgram prog, PassRef ref, int round, int tokens,
                                       int activation) {
        if (live.inner == null) {
            int p = layout.pp(), v = layout.chunks(), virtual = layout.virtualStage(ref.chunk());
            if (ref.pass() == Pass.F && virtual > 0
                    && !rank.arrived(peer(rank, layout.stage() > 0 ? layout.stage() - 1 : p - 1), tag(Pass.F, ref.microBatch(), ref.chunk(), v)))
                return false;
            if ((ref.pass() == Pass.B || ref.pass() == Pass.BW) && virtual < p * v - 1
                    && !rank.arrived(peer(rank, layout.stage() < p - 1 ? layout.stage() + 1 : 0), tag(Pass.B, ref.microBatch(), ref.chunk(), v)))
                return false;
            live.inner = TpStagePass.ops(ref, layout, prog.tp(), tpMode, tokens, activation);
            live.innerPc = 0;
            live.innerRound = 0;
            live.innerStart = round;
        }
        while (live.innerPc < live.inner.size()) {
            Op op = live.inner.get(live.innerPc);
            if (live.innerRound == 0) live.innerSent = rank.sentThisStep();
            boolean complete = op.advance(rank, live.innerRound);
            if (!complete) {
                live.innerRound++;
                return false;
            }
            if (op.loggedAsCollective())        // a TP collective inside the pass, e.g. RingAllReduce[TP], for the replay's comm lane
                rank.record(event(ExecEvent.Kind.COLLECTIVE, op.toString(), -1, -1, -1, -1, rank.sentThisStep() - live.innerSent, 0,
                        -1, round, ""));
            live.innerPc++;
            live.innerRound = 0;
        }
        int[] units = layout.chunkUnits(ref.chunk());
        double flops = 0;
        for (int u : units) flops += prog.model.forwardFlops(u, prog.strategy.microBatch()) / prog.tp();
        ExecEvent.Kind kind = switch (ref.pass()) { case F -> ExecEvent.Kind.F; case B -> ExecEvent.Kind.B;
            case W -> ExecEvent.Kind.W; case BW -> ExecEvent.Kind.BW; };
        double scale = ref.pass() == Pass.BW ? 2 : 1;
        rank.record(event(kind, ref.toString(), ref.microBatch(), ref.chunk(), units[0], units[units.length - 1], 0,
                flops * scale, -1, live.innerStart, ""));
        live.inner = null;
        return true;
    }

    /** Receives this TP rank's 1/t slice of the pass's input into its chunk of {@code tpx} (the TP group then AllGathers). */
    void receive(RankState rank, Pass pass, int mb, int chunk, int r) {
        int p = layout.pp();
        int from = pass == Pass.F ? peer(rank, layout.stage() > 0 ? layout.stage() - 1 : p - 1)
                : peer(rank, layout.stage() < p - 1 ? layout.stage() + 1 : 0);
        ByteBuffer in = rank.poll(from, tag(pass == Pass.F ? Pass.F : Pass.B, mb, chunk, layout.chunks()));
        if (in == null) throw new IllegalStateException("rank " + rank.rank() + ": no input for " + pass + mb + "." + chunk);
        Buf x = rank.buf("tpx");
        int t = program(rank).tp(), c = (x.length() + t - 1) / t;
        x.decode(in, r * c, c, x.length(), false);
        rank.record(event(ExecEvent.Kind.RECV, new PassRef(pass, mb, chunk).toString(), mb, chunk, -1, -1,
                (long) c * x.type().bytes(), 0, from, rank.opRound(), ""));
    }

    /**
     * Sends this TP rank's 1/t slice of {@code value} (b·s·h elements; under sequence parallelism, {@code local},
     * the rank's own b·s/t rows, sent whole) to the rank of the same TP index on the next (F) or previous stage.
     */
    void sendSlice(RankState rank, Pass pass, int mb, int chunk, int r, INDArray value, boolean local) {
        int p = layout.pp(), v = layout.chunks();
        boolean forward = pass == Pass.F;
        int to = forward ? peer(rank, layout.stage() < p - 1 ? layout.stage() + 1 : 0)
                : peer(rank, layout.stage() > 0 ? layout.stage() - 1 : p - 1);
        int next = forward ? (layout.stage() < p - 1 ? chunk : chunk + 1) : (layout.stage() > 0 ? chunk : chunk - 1);
        double[] all = Nd4j.toFlattened('c', value).toDoubleVector();
        int t = program(rank).tp(), c = local ? all.length : (all.length + t - 1) / t, from = local ? 0 : r * c;
        Buf staged = Buf.of(program(rank).strategy.precision().working(), all.length, all);
        int bytes = c * staged.type().bytes();
        rank.sendTagged(to, CollectiveKind.SEND_RECV, tag(forward ? Pass.F : Pass.B, mb, next, v), bytes,
                out -> staged.encode(out, from, c, all.length));
        rank.record(event(ExecEvent.Kind.SEND, new PassRef(pass, mb, next).toString(), mb, chunk, -1, -1, bytes, 0, to,
                rank.opRound(), ""));
    }

    private boolean forward(RankState rank, Live live, PassRef ref, int round) {
        int mb = ref.microBatch(), c = ref.chunk(), p = layout.pp(), v = layout.chunks();
        int virtual = layout.virtualStage(c);
        int[] units = layout.chunkUnits(c);
        double[] x = null;
        int from = -1;
        if (virtual > 0) {
            from = peer(rank, layout.stage() > 0 ? layout.stage() - 1 : p - 1);
            ByteBuffer in = rank.poll(from, tag(Pass.F, mb, c, v));
            if (in == null) return false;
            x = decode(rank, in);
            rank.record(event(ExecEvent.Kind.RECV, ref.toString(), mb, c, -1, -1, wireBytes(rank), 0, from, round, ""));
        }
        StrategyProgram prog = program(rank);
        Strategy s = prog.strategy;
        ExecModel.Pass pass = prog.model.begin(rank.step(), rank.dpIndex() * microBatches + mb, s.microBatch(),
                s.precision().fp64Compute());
        live.passes.put(key(mb, c), pass);
        if (x != null) pass.input(units[0], x);
        live.meter(rank);
        double flops = 0;
        for (int u : units) {
            pass.forward(u, params(rank, prog, layout.locate(u), prog.model.unitSize(u)));
            flops += prog.model.forwardFlops(u, s.microBatch());
            live.meter(rank);
        }
        if (virtual == p * v - 1) {
            int[] head = layout.headWeights();
            rank.addLoss(pass.headForward(params(rank, prog, head, layout.wteElements())));
            flops += prog.model.headFlops(s.microBatch());
            live.meter(rank);
        }
        String dep = from < 0 ? "" : from + ":" + Dependencies.of(layout.stage(), ref, p, v).pass();
        rank.record(event(ExecEvent.Kind.F, ref.toString(), mb, c, units[0], units[units.length - 1], 0, flops, -1, round, dep));
        if (virtual < p * v - 1) {
            int to = peer(rank, layout.stage() < p - 1 ? layout.stage() + 1 : 0);
            int next = layout.stage() < p - 1 ? c : c + 1;
            send(rank, to, tag(Pass.F, mb, next, v), pass.output(units[units.length - 1]));
            rank.record(event(ExecEvent.Kind.SEND, new PassRef(Pass.F, mb, next).toString(), mb, c, -1, -1,
                    wireBytes(rank), 0, to, round, ""));
        }
        live.resident(rank);
        return true;
    }

    private boolean backward(RankState rank, Live live, PassRef ref, int round) {
        int mb = ref.microBatch(), c = ref.chunk(), p = layout.pp(), v = layout.chunks();
        int virtual = layout.virtualStage(c);
        int[] units = layout.chunkUnits(c);
        StrategyProgram prog = program(rank);
        ExecModel.Pass pass = live.passes.get(key(mb, c));
        if (pass == null) throw new IllegalStateException("rank " + rank.rank() + ": " + ref + " before its forward");
        int from = -1;
        if (virtual < p * v - 1) {
            from = peer(rank, layout.stage() < p - 1 ? layout.stage() + 1 : 0);
            ByteBuffer in = rank.poll(from, tag(Pass.B, mb, c, v));
            if (in == null) return false;
            pass.outputGrad(decode(rank, in));
            rank.record(event(ExecEvent.Kind.RECV, new PassRef(ref.pass(), mb, c).toString(), mb, c, -1, -1,
                    wireBytes(rank), 0, from, round, ""));
            live.meter(rank);
        }
        boolean split = ref.pass() == Pass.B;
        Map<Integer, double[]> grads = new HashMap<>();
        double flops = 0;
        if (virtual == p * v - 1) {
            int[] head = layout.headWeights();
            double[] g = new double[prog.model.unitSize(0)];   // the head fills wte's rows of unit 0 only
            pass.headBackward(params(rank, prog, head, layout.wteElements()), g);
            grads.put(-1, java.util.Arrays.copyOf(g, layout.wteElements()));
            flops += 2 * prog.model.headFlops(prog.strategy.microBatch());
            live.meter(rank);
        }
        for (int i = units.length - 1; i >= 0; i--) {
            int u = units[i];
            double[] g = new double[prog.model.unitSize(u)];
            pass.backward(u, u == 0 ? null : params(rank, prog, layout.locate(u), g.length), g);
            grads.put(u, g);
            flops += 2 * prog.model.forwardFlops(u, prog.strategy.microBatch());
            live.meter(rank);
        }
        String dep = from < 0 ? rank.rank() + ":" + new PassRef(Pass.F, mb, c)
                : from + ":" + Dependencies.of(layout.stage(), ref, p, v).pass();
        rank.record(event(split ? ExecEvent.Kind.B : ExecEvent.Kind.BW, ref.toString(), mb, c, units[0],
                units[units.length - 1], 0, split ? flops / 2 : flops, -1, round, dep));
        if (virtual > 0) {
            int to = peer(rank, layout.stage() > 0 ? layout.stage() - 1 : p - 1);
            int prev = layout.stage() > 0 ? c : c - 1;
            send(rank, to, tag(Pass.B, mb, prev, v), pass.inputGrad());
            rank.record(event(ExecEvent.Kind.SEND, new PassRef(ref.pass(), mb, prev).toString(), mb, c, -1, -1,
                    wireBytes(rank), 0, to, round, ""));
        }
        live.passes.remove(key(mb, c));
        if (split) live.pending.put(key(mb, c), new Pending(grads, flops / 2));
        else addGrads(rank, prog, grads);
        live.meter(rank);
        live.resident(rank);
        return true;
    }

    private boolean weights(RankState rank, Live live, PassRef ref, int round) {
        Pending w = live.pending.remove(key(ref.microBatch(), ref.chunk()));
        if (w == null) throw new IllegalStateException("rank " + rank.rank() + ": " + ref + " before its B");
        addGrads(rank, program(rank), w.grads);
        int[] units = layout.chunkUnits(ref.chunk());
        rank.record(event(ExecEvent.Kind.W, ref.toString(), ref.microBatch(), ref.chunk(), units[0], units[units.length - 1],
                0, w.flops, -1, round, rank.rank() + ":" + new PassRef(Pass.B, ref.microBatch(), ref.chunk())));
        return true;
    }

    /** Adds unit gradients (key −1: the head's wte gradient) into the local gradient buffers. */
    private void addGrads(RankState rank, StrategyProgram prog, Map<Integer, double[]> grads) {
        for (Map.Entry<Integer, double[]> e : grads.entrySet()) {
            int[] at = e.getKey() < 0 ? layout.headWeights() : layout.locate(e.getKey());
            Buf g = rank.buf(prog.gradBuffer(at[0]));
            double[] values = e.getValue();
            for (int i = 0; i < values.length; i++) g.add(at[1] + i, values[i]);
        }
    }

    private static double[] params(RankState rank, StrategyProgram prog, int[] at, int length) {
        Buf p = rank.buf(prog.paramBuffer(at[0]));
        double[] out = new double[length];
        for (int i = 0; i < length; i++) out[i] = p.get(at[1] + i);
        return out;
    }

    private int peer(RankState rank, int stage) {
        RankGrid grid = rank.topology().grid();
        return grid.rank(grid.tpIndex(rank.rank()), rank.dpIndex(), stage);
    }

    private static int wireBytes(RankState rank) {
        StrategyProgram prog = program(rank);
        return prog.model.activationElements(prog.strategy.microBatch()) * prog.strategy.precision().working().bytes();
    }

    private static void send(RankState rank, int dst, int tag, double[] values) {
        Buf staged = Buf.of(program(rank).strategy.precision().working(), values.length, values);
        rank.sendTagged(dst, CollectiveKind.SEND_RECV, tag, wireBytes(rank),
                out -> staged.encode(out, 0, values.length, values.length));
    }

    private static double[] decode(RankState rank, ByteBuffer in) {
        StrategyProgram prog = program(rank);
        int n = prog.model.activationElements(prog.strategy.microBatch());
        Buf b = new Buf(prog.strategy.precision().working(), n);
        b.decode(in, 0, n, n, false);
        return b.toDoubles(n);
    }

    private static StrategyProgram program(RankState rank) { return (StrategyProgram) rank.program(); }

    private static ExecEvent event(ExecEvent.Kind kind, String label, int mb, int chunk, int first, int last, long bytes,
                                   double flops, int peer, int round, String dep) {
        return new ExecEvent(kind, label, mb, chunk, first, last, bytes, flops, peer, round, dep);
    }

    static long key(int mb, int chunk) { return ((long) mb << 16) | chunk; }

    private static Live live(RankState rank) {
        if (!(rank.scratch instanceof Live l))
            throw new IllegalStateException("rank " + rank.rank() + ": the pipeline's activations are gone "
                    + "(its partition was serialized between supersteps)");
        return l;
    }

    /** A ZB-H1 B's weight gradients, held until its W. */
    private record Pending(Map<Integer, double[]> grads, double flops) {}

    /**
     * What a stage holds across supersteps: its position in the order, the live micro-batch passes
     * (with their activations), pending weight gradients, and the activation bytes metered.
     */
    static final class Live {
        final PipelineOp op;
        final Map<Long, ExecModel.Pass> passes = new HashMap<>();
        final Map<Long, Pending> pending = new HashMap<>();
        /** TP stages: live micro-batch chunks' phase objects, ZB-H1's held ones, and the current pass's ops. */
        final Map<Long, TpPassState> tp = new HashMap<>();
        final Map<Long, TpPassState> tpPending = new HashMap<>();
        /** The current pass with its ZeRO-2/3 ops before and after it ({@link ZeroPasses}). */
        ZeroPasses.Around zero;
        List<Op> inner;
        int innerPc;
        int innerRound;
        int innerStart;
        long innerSent;
        int next;
        long metered;

        Live(PipelineOp op) { this.op = op; }

        /** Meters the change in activation bytes of every live pass. */
        void meter(RankState rank) {
            long now = 0;
            for (ExecModel.Pass pass : passes.values()) now += pass.activationBytes();
            rank.meter(MemCategory.ACTIVATIONS, now - metered);
            metered = now;
        }

        /** Records the micro-batch chunks held between passes (the schedule's in-flight count). */
        void resident(RankState rank) {
            rank.noteInFlight(passes.size(), metered);
        }
    }
}

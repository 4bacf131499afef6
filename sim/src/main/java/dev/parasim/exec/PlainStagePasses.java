package dev.parasim.exec;

import dev.parasim.program.ExecutedEvent;
import dev.parasim.program.schedule.Dependencies;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The pass bodies of a stage without tensor parallelism, in three pieces each: a begin (receive the activation or the
 * output gradient; false until it has arrived), one model unit (its forward, with the head after the final norm on the
 * last virtual stage; its backward, the head's first; ZB-H1's W of it) and an end (log the pass, send the output or the
 * input gradient). Without ZeRO-2/3 a pass runs all its pieces in one superstep ({@link #forward}, {@link #backward},
 * {@link #weights}); under ZeRO-2/3 {@link ZeroPasses} runs each unit's piece between that unit's ZeRO ops. A BW runs
 * the fused backward and adds each unit's gradients as they are produced; ZB-H1's B computes input gradients and the
 * LayerNorm and embedding gradients, kept until its W, and its W the linear layers' weight gradients from what B kept
 * ({@code exec.model.WeightGrads}); W adds both into the gradient buffers (under ZeRO-2/3 they exist only around W's
 * unit, which reduce-scatters them). Each pass logs its event with FLOPs (B: 2·forward − W, W: the weight-gradient
 * GEMMs, Qi et al. 2024) and the pass it depends on.
 */
final class PlainStagePasses {
    private PlainStagePasses() {}

    /** Runs forward pass {@code ref} whole; {@return false if its input has not arrived yet} */
    static boolean forward(RankState rank, PipelineStageState live, StageLayout layout, PassRef ref, int round) {
        if (!begin(rank, live, layout, ref.pass(), ref.microBatch(), ref.chunk(), round)) return false;
        for (int u : layout.chunkUnits(ref.chunk())) unit(rank, live, layout, ref.pass(), ref.microBatch(), ref.chunk(), u);
        end(rank, live, layout, ref.pass(), ref.microBatch(), ref.chunk(), round);
        return true;
    }

    /** Runs backward pass {@code ref} (B or BW) whole; {@return false if its output gradient has not arrived yet} */
    static boolean backward(RankState rank, PipelineStageState live, StageLayout layout, PassRef ref, int round) {
        if (!begin(rank, live, layout, ref.pass(), ref.microBatch(), ref.chunk(), round)) return false;
        int[] units = layout.chunkUnits(ref.chunk());
        for (int i = units.length - 1; i >= 0; i--) unit(rank, live, layout, ref.pass(), ref.microBatch(), ref.chunk(), units[i]);
        end(rank, live, layout, ref.pass(), ref.microBatch(), ref.chunk(), round);
        return true;
    }

    /** Runs ZB-H1's W pass {@code ref} whole: the parameter gradients from what its B kept, added into the gradient buffers. */
    static boolean weights(RankState rank, PipelineStageState live, StageLayout layout, PassRef ref, int round) {
        return backward(rank, live, layout, ref, round);
    }

    /**
     * Begins pass {@code kind} of micro-batch {@code mb}, chunk {@code c}: a forward receives its input (not on virtual
     * stage 0) and creates the micro-batch's pass, a B or BW receives its output gradient (not on the last virtual stage).
     * {@return false if what it receives has not arrived yet}
     */
    static boolean begin(RankState rank, PipelineStageState live, StageLayout layout, Pass kind, int mb, int c, int round) {
        int p = layout.pp(), v = layout.chunks(), virtual = layout.virtualStage(c);
        long key = PipelineStageState.key(mb, c);
        StrategyProgram prog = PipelineLinks.program(rank);
        live.from = -1;
        live.flops = 0;
        live.started = round;
        switch (kind) {
            case F -> {
                double[] x = null;
                if (virtual > 0) {
                    live.from = PipelineLinks.source(rank, layout, Pass.F);
                    ByteBuffer in = rank.poll(live.from, PipelineLinks.tag(Pass.F, mb, c, v));
                    if (in == null) return false;
                    x = PipelineLinks.decode(rank, in);
                    rank.record(ExecutedEvent.receive(Pass.F, mb, c, PipelineLinks.wireBytes(rank), live.from, round));
                }
                Strategy s = prog.strategy;
                ExecModel.Pass pass = prog.model.begin(rank.step(), rank.dpIndex() * s.microBatches() + mb, s.microBatch(),
                        s.precision().fp64Compute(), s.recompute());
                live.passes.put(key, pass);
                if (x != null) pass.input(layout.chunkUnits(c)[0], x);
            }
            case B, BW -> {
                ExecModel.Pass pass = live.passes.get(key);
                if (pass == null) throw new IllegalStateException("rank " + rank.rank() + ": " + kind + mb + "." + c + " before its forward");
                if (virtual < p * v - 1) {
                    live.from = PipelineLinks.source(rank, layout, Pass.B);
                    ByteBuffer in = rank.poll(live.from, PipelineLinks.tag(Pass.B, mb, c, v));
                    if (in == null) return false;
                    pass.outputGrad(PipelineLinks.decode(rank, in));
                    rank.record(ExecutedEvent.receive(kind, mb, c, PipelineLinks.wireBytes(rank), live.from, round));
                }
                if (kind == Pass.B) live.gradsAwaitingWeights.put(key, new HashMap<>());
            }
            case W -> {
                if (!live.awaitingWeights.containsKey(key))
                    throw new IllegalStateException("rank " + rank.rank() + ": W" + mb + "." + c + " before its B");
            }
        }
        live.meter(rank);
        return true;
    }

    /**
     * Runs model unit {@code u}'s part of pass {@code kind}: its forward (then the head's, after the final norm on the
     * last virtual stage), its backward (the head's first), or its W; a BW or W adds the gradients into the gradient
     * buffers at once (W with those its B computed), a B keeps its LayerNorm and embedding gradients for its W.
     */
    static void unit(RankState rank, PipelineStageState live, StageLayout layout, Pass kind, int mb, int c, int u) {
        long key = PipelineStageState.key(mb, c);
        StrategyProgram prog = PipelineLinks.program(rank);
        int b = prog.strategy.microBatch();
        boolean head = layout.virtualStage(c) == layout.pp() * layout.chunks() - 1 && u == layout.layers() + 1;
        if (kind == Pass.F) {
            ExecModel.Pass pass = live.passes.get(key);
            pass.forward(u, params(rank, layout.locate(u), prog.model.unitSize(u)));
            live.flops += prog.model.forwardFlops(u, b);
            if (head) {
                live.meter(rank);
                rank.addLoss(pass.headForward(params(rank, layout.headWeights(), layout.wteElements())));
                live.flops += prog.model.headFlops(b);
            }
            live.meter(rank);
            return;
        }
        Map<Integer, double[]> grads = new HashMap<>();
        if (kind == Pass.W) {
            ExecModel.Pass pass = live.awaitingWeights.get(key);
            if (head) {
                double[] g = new double[prog.model.unitSize(0)];
                pass.headBackwardWeights(g);
                grads.put(-1, java.util.Arrays.copyOf(g, layout.wteElements()));
                live.flops += prog.model.headFlops(b);
            }
            double[] g = new double[prog.model.unitSize(u)];
            pass.backwardWeights(u, g);
            live.flops += prog.model.passFlops(Pass.W, u, b);
            double[] early = live.gradsAwaitingWeights.get(key).remove(u);   // B's LayerNorm and embedding gradients
            if (early != null) for (int i = 0; i < g.length; i++) g[i] += early[i];
            grads.put(u, g);
            addGrads(rank, layout, grads);
            live.meter(rank);
            return;
        }
        ExecModel.Pass pass = live.passes.get(key);
        boolean split = kind == Pass.B;
        if (head) {
            double[] embedding = params(rank, layout.headWeights(), layout.wteElements());
            if (split) {
                pass.headBackwardInput(embedding);
                live.flops += prog.model.headFlops(b);
            } else {
                double[] g = new double[prog.model.unitSize(0)];   // the head fills wte's rows of unit 0 only
                pass.headBackward(embedding, g);
                grads.put(-1, java.util.Arrays.copyOf(g, layout.wteElements()));
                live.flops += 2 * prog.model.headFlops(b);
            }
            live.meter(rank);
        }
        double[] params = u == 0 ? null : params(rank, layout.locate(u), prog.model.unitSize(u));
        if (pass.recompute(u, params)) {   // full recompute: the layer's forward again, its saved tensors held anew
            live.flops += prog.model.forwardFlops(u, b);
            live.meter(rank);
        }
        double[] g = new double[prog.model.unitSize(u)];
        if (split) pass.backwardInput(u, params, g);
        else pass.backward(u, params, g);
        live.flops += prog.model.passFlops(kind, u, b);
        grads.put(u, g);
        if (split) live.gradsAwaitingWeights.get(key).put(u, g);
        else addGrads(rank, layout, grads);
        live.meter(rank);
    }

    /** Ends pass {@code kind}: logs it, sends a forward's output or a backward's input gradient, and hands a B's state to its W. */
    static void end(RankState rank, PipelineStageState live, StageLayout layout, Pass kind, int mb, int c, int round) {
        int p = layout.pp(), v = layout.chunks(), virtual = layout.virtualStage(c);
        long key = PipelineStageState.key(mb, c);
        int[] units = layout.chunkUnits(c);
        PassRef ref = new PassRef(kind, mb, c);
        String dep = switch (kind) {
            case F -> live.from < 0 ? "" : live.from + ":" + Dependencies.of(layout.stage(), ref, p, v).pass();
            case B, BW -> live.from < 0 ? rank.rank() + ":" + new PassRef(Pass.F, mb, c)
                    : live.from + ":" + Dependencies.of(layout.stage(), ref, p, v).pass();
            case W -> rank.rank() + ":" + new PassRef(Pass.B, mb, c);
        };
        rank.record(ExecutedEvent.pass(kind, ref.toString(), mb, c, units[0], units[units.length - 1], live.flops,
                live.started, dep));
        switch (kind) {
            case F -> {
                if (virtual < p * v - 1) {
                    int to = PipelineLinks.destination(rank, layout, Pass.F);
                    int next = PipelineLinks.destinationChunk(layout, Pass.F, c);
                    PipelineLinks.send(rank, to, PipelineLinks.tag(Pass.F, mb, next, v), live.passes.get(key).output(units[units.length - 1]));
                    rank.record(ExecutedEvent.send(Pass.F, mb, c, next, PipelineLinks.wireBytes(rank), to, round));
                }
            }
            case B, BW -> {
                ExecModel.Pass pass = live.passes.remove(key);
                if (virtual > 0) {
                    int to = PipelineLinks.destination(rank, layout, Pass.B);
                    int prev = PipelineLinks.destinationChunk(layout, Pass.B, c);
                    PipelineLinks.send(rank, to, PipelineLinks.tag(Pass.B, mb, prev, v), pass.inputGrad());
                    rank.record(ExecutedEvent.send(kind, mb, c, prev, PipelineLinks.wireBytes(rank), to, round));
                }
                if (kind == Pass.B) live.awaitingWeights.put(key, pass);
            }
            case W -> {
                live.awaitingWeights.remove(key);
                Map<Integer, double[]> left = live.gradsAwaitingWeights.remove(key);
                if (!left.isEmpty()) throw new IllegalStateException("rank " + rank.rank() + ": B's gradients of units "
                        + left.keySet() + " not added by W" + mb + "." + c);
            }
        }
        live.meter(rank);
        live.resident(rank);
    }

    /** Adds unit gradients (key −1: the head's wte gradient) into the local gradient buffers. */
    private static void addGrads(RankState rank, StageLayout layout, Map<Integer, double[]> grads) {
        for (Map.Entry<Integer, double[]> e : grads.entrySet()) {
            int[] at = e.getKey() < 0 ? layout.headWeights() : layout.locate(e.getKey());
            Buf g = rank.buf(PipelineLinks.program(rank).gradBuffer(at[0]));
            double[] values = e.getValue();
            for (int i = 0; i < values.length; i++) g.add(at[1] + i, values[i]);
        }
    }

    private static double[] params(RankState rank, int[] at, int length) {
        Buf p = rank.buf(PipelineLinks.program(rank).paramBuffer(at[0]));
        double[] out = new double[length];
        for (int i = 0; i < length; i++) out[i] = p.get(at[1] + i);
        return out;
    }

    /** A whole plain pass as one op (no ZeRO ops around it): false until its input has arrived. */
    static final class Whole implements Op {
        private static final long serialVersionUID = 1L;
        private final PassRef ref;

        Whole(PassRef ref) { this.ref = ref; }

        @Override
        public boolean advance(RankState rank, int round) {
            PipelineStageState live = PipelineStageState.of(rank);
            StageLayout layout = PipelineLinks.program(rank).layout;
            return switch (ref.pass()) {
                case F -> forward(rank, live, layout, ref, live.round);
                case B, BW -> backward(rank, live, layout, ref, live.round);
                case W -> weights(rank, live, layout, ref, live.round);
            };
        }

        @Override
        public String toString() { return ref.pass() + "" + ref.microBatch() + "." + ref.chunk(); }
    }

    /** One piece of a plain pass run between ZeRO ops: its begin, one model unit's part ({@link #unit}), or its end. */
    static final class Piece implements Op {
        private static final long serialVersionUID = 1L;
        private static final int BEGIN = -1, END = -2;
        private final PassRef ref;
        private final int unit;

        private Piece(PassRef ref, int unit) {
            this.ref = ref;
            this.unit = unit;
        }

        static Piece begin(PassRef ref) { return new Piece(ref, BEGIN); }

        static Piece unit(PassRef ref, int modelUnit) { return new Piece(ref, modelUnit); }

        static Piece end(PassRef ref) { return new Piece(ref, END); }

        @Override
        public boolean advance(RankState rank, int round) {
            PipelineStageState live = PipelineStageState.of(rank);
            StageLayout layout = PipelineLinks.program(rank).layout;
            Pass pass = ref.pass();
            int micro = ref.microBatch(), chunk = ref.chunk();
            switch (unit) {
                case BEGIN -> { return PlainStagePasses.begin(rank, live, layout, pass, micro, chunk, live.round); }
                case END -> PlainStagePasses.end(rank, live, layout, pass, micro, chunk, live.round);
                default -> PlainStagePasses.unit(rank, live, layout, pass, micro, chunk, unit);
            }
            return true;
        }

        @Override
        public String toString() {
            return ref.pass() + "" + ref.microBatch() + "." + ref.chunk() + (unit == BEGIN ? " begin" : unit == END ? " end" : " u" + unit);
        }
    }
}

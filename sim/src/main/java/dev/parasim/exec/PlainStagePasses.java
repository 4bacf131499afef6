package dev.parasim.exec;

import dev.parasim.program.ExecutedEvent;
import dev.parasim.program.schedule.Dependencies;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The pass bodies of a stage without tensor parallelism, each run in one superstep once its input has
 * arrived: F (receive the activation, run the chunk's units forward, the head on the last virtual stage,
 * send the output), B or BW (receive the output gradient, run the head and the units backward, send the
 * input gradient) and ZB-H1's W. A BW runs the fused backward; ZB-H1's B computes input gradients and
 * the LayerNorm and embedding gradients, and its W the linear layers' weight gradients from what B kept
 * ({@code exec.model.WeightGrads}); W adds both into the gradient buffers (under ZeRO-2/3 they exist only
 * around W, which reduce-scatters them). Each pass logs its
 * event with FLOPs (B: 2·forward − W, W: the weight-gradient GEMMs, Qi et al. 2024) and the pass it depends on.
 */
final class PlainStagePasses {
    private PlainStagePasses() {}

    /** Runs forward pass {@code ref}; {@return false if its input has not arrived yet} */
    static boolean forward(RankState rank, PipelineLive live, StageLayout layout, int microBatches, PassRef ref, int round) {
        int mb = ref.microBatch(), c = ref.chunk(), p = layout.pp(), v = layout.chunks();
        int virtual = layout.virtualStage(c);
        int[] units = layout.chunkUnits(c);
        double[] x = null;
        int from = -1;
        if (virtual > 0) {
            from = PipelineLinks.source(rank, layout, Pass.F);
            ByteBuffer in = rank.poll(from, PipelineLinks.tag(Pass.F, mb, c, v));
            if (in == null) return false;
            x = PipelineLinks.decode(rank, in);
            rank.record(ExecutedEvent.receive(Pass.F, mb, c, PipelineLinks.wireBytes(rank), from, round));
        }
        StrategyProgram prog = PipelineLinks.program(rank);
        Strategy s = prog.strategy;
        ExecModel.Pass pass = prog.model.begin(rank.step(), rank.dpIndex() * microBatches + mb, s.microBatch(),
                s.precision().fp64Compute());
        live.passes.put(PipelineLive.key(mb, c), pass);
        if (x != null) pass.input(units[0], x);
        live.meter(rank);
        double flops = 0;
        for (int u : units) {
            pass.forward(u, params(rank, layout.locate(u), prog.model.unitSize(u)));
            flops += prog.model.forwardFlops(u, s.microBatch());
            live.meter(rank);
        }
        if (virtual == p * v - 1) {
            rank.addLoss(pass.headForward(params(rank, layout.headWeights(), layout.wteElements())));
            flops += prog.model.headFlops(s.microBatch());
            live.meter(rank);
        }
        String dep = from < 0 ? "" : from + ":" + Dependencies.of(layout.stage(), ref, p, v).pass();
        rank.record(ExecutedEvent.pass(Pass.F, ref.toString(), mb, c, units[0], units[units.length - 1], flops, round, dep));
        if (virtual < p * v - 1) {
            int to = PipelineLinks.destination(rank, layout, Pass.F);
            int next = PipelineLinks.destinationChunk(layout, Pass.F, c);
            PipelineLinks.send(rank, to, PipelineLinks.tag(Pass.F, mb, next, v), pass.output(units[units.length - 1]));
            rank.record(ExecutedEvent.send(Pass.F, mb, c, next, PipelineLinks.wireBytes(rank), to, round));
        }
        live.resident(rank);
        return true;
    }

    /** Runs backward pass {@code ref} (B or BW); {@return false if its output gradient has not arrived yet} */
    static boolean backward(RankState rank, PipelineLive live, StageLayout layout, PassRef ref, int round) {
        int mb = ref.microBatch(), c = ref.chunk(), p = layout.pp(), v = layout.chunks();
        int virtual = layout.virtualStage(c);
        int[] units = layout.chunkUnits(c);
        StrategyProgram prog = PipelineLinks.program(rank);
        ExecModel.Pass pass = live.passes.get(PipelineLive.key(mb, c));
        if (pass == null) throw new IllegalStateException("rank " + rank.rank() + ": " + ref + " before its forward");
        int from = -1;
        if (virtual < p * v - 1) {
            from = PipelineLinks.source(rank, layout, Pass.B);
            ByteBuffer in = rank.poll(from, PipelineLinks.tag(Pass.B, mb, c, v));
            if (in == null) return false;
            pass.outputGrad(PipelineLinks.decode(rank, in));
            rank.record(ExecutedEvent.receive(ref.pass(), mb, c, PipelineLinks.wireBytes(rank), from, round));
            live.meter(rank);
        }
        boolean split = ref.pass() == Pass.B;
        int b = prog.strategy.microBatch();
        Map<Integer, double[]> grads = new HashMap<>();
        double flops = 0;
        if (virtual == p * v - 1) {
            double[] embedding = params(rank, layout.headWeights(), layout.wteElements());
            if (split) {
                pass.headBackwardInput(embedding);
                flops += prog.model.headFlops(b);
            } else {
                double[] g = new double[prog.model.unitSize(0)];   // the head fills wte's rows of unit 0 only
                pass.headBackward(embedding, g);
                grads.put(-1, Arrays.copyOf(g, layout.wteElements()));
                flops += 2 * prog.model.headFlops(b);
            }
            live.meter(rank);
        }
        for (int i = units.length - 1; i >= 0; i--) {
            int u = units[i];
            double[] params = u == 0 ? null : params(rank, layout.locate(u), prog.model.unitSize(u));
            double[] g = new double[prog.model.unitSize(u)];
            if (split) pass.backwardInput(u, params, g);
            else pass.backward(u, params, g);
            flops += prog.model.passFlops(ref.pass(), u, b);
            grads.put(u, g);
            live.meter(rank);
        }
        String dep = from < 0 ? rank.rank() + ":" + new PassRef(Pass.F, mb, c)
                : from + ":" + Dependencies.of(layout.stage(), ref, p, v).pass();
        rank.record(ExecutedEvent.pass(ref.pass(), ref.toString(), mb, c, units[0], units[units.length - 1], flops, round, dep));
        if (virtual > 0) {
            int to = PipelineLinks.destination(rank, layout, Pass.B);
            int prev = PipelineLinks.destinationChunk(layout, Pass.B, c);
            PipelineLinks.send(rank, to, PipelineLinks.tag(Pass.B, mb, prev, v), pass.inputGrad());
            rank.record(ExecutedEvent.send(ref.pass(), mb, c, prev, PipelineLinks.wireBytes(rank), to, round));
        }
        live.passes.remove(PipelineLive.key(mb, c));
        if (split) {
            live.awaitingWeights.put(PipelineLive.key(mb, c), pass);
            live.gradsAwaitingWeights.put(PipelineLive.key(mb, c), grads);
        } else {
            addGrads(rank, layout, grads);
        }
        live.meter(rank);
        live.resident(rank);
        return true;
    }

    /** Runs ZB-H1's W pass {@code ref}: the parameter gradients from what its B kept, added into the gradient buffers. */
    static boolean weights(RankState rank, PipelineLive live, StageLayout layout, PassRef ref, int round) {
        long key = PipelineLive.key(ref.microBatch(), ref.chunk());
        ExecModel.Pass pass = live.awaitingWeights.get(key);
        if (pass == null) throw new IllegalStateException("rank " + rank.rank() + ": " + ref + " before its B");
        StrategyProgram prog = PipelineLinks.program(rank);
        int b = prog.strategy.microBatch();
        int[] units = layout.chunkUnits(ref.chunk());
        Map<Integer, double[]> grads = new HashMap<>();
        double flops = 0;
        if (layout.virtualStage(ref.chunk()) == layout.pp() * layout.chunks() - 1) {
            double[] g = new double[prog.model.unitSize(0)];
            pass.headBackwardWeights(g);
            grads.put(-1, Arrays.copyOf(g, layout.wteElements()));
            flops += prog.model.headFlops(b);
        }
        for (int u : units) {
            double[] g = new double[prog.model.unitSize(u)];
            pass.backwardWeights(u, g);
            grads.put(u, g);
            flops += prog.model.passFlops(Pass.W, u, b);
        }
        addGrads(rank, layout, live.gradsAwaitingWeights.remove(key));   // B's LayerNorm and embedding gradients
        addGrads(rank, layout, grads);
        live.awaitingWeights.remove(key);
        live.meter(rank);
        rank.record(ExecutedEvent.pass(Pass.W, ref.toString(), ref.microBatch(), ref.chunk(), units[0], units[units.length - 1],
                flops, round, rank.rank() + ":" + new PassRef(Pass.B, ref.microBatch(), ref.chunk())));
        return true;
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
}

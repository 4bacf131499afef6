package dev.parasim.exec;

import dev.parasim.program.ExecutedEvent;
import dev.parasim.program.schedule.Pass;
import dev.parasim.exec.model.TensorParallel;
import dev.parasim.exec.model.TpBlock;
import dev.parasim.exec.model.TpHead;
import dev.parasim.exec.model.TpMode;
import dev.parasim.exec.model.TpShards;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * A local phase of one micro-batch of a tensor-parallel rank (Megatron, Shoeybi et al. 2019 §3;
 * sequence parallelism, Korthikanti et al. 2022 §4.2.2): the {@link TensorParallel} phases between the
 * TP group's collectives on {@link RankGrid.Group#TP}. The buffer {@code tpx} (b·s·h elements of the
 * working type) carries R — a ring AllReduce (TENSOR) or ReduceScatter (SEQUENCE, rank r keeping chunk
 * r, its b·s/t local rows) — and G, a ring AllGather of the local rows under SEQUENCE (nothing under
 * TENSOR, where the tensor stays in the phase objects); {@code tpl} (2·b·s of the compute type: fp32,
 * fp64 under fp64) the parallel cross-entropy's max, Σe^z and target logit. The phase objects live in
 * {@link RankState#scratch} between supersteps. Each micro-batch logs one F (at its start) and one BW (at the head's backward)
 * event with this rank's FLOPs; a block's saved tensors ({@link TpBlock#savedBytes()}) are metered as
 * activations from the end of its forward to the end of its backward, the last block's output and the final
 * norm's activation from the final norm to its backward, the head's softmax ({@link TpHead#savedBytes()}) from
 * the softmax partials to the head's backward — the tensors memory.Activations counts.
 */
final class TpStep implements Op {
    private static final long serialVersionUID = 1L;

    enum Action { BEGIN, EMBED, NORM1, ATTENTION, NORM2, MLP, RESIDUAL, FINAL_NORM, HEAD_MAX, HEAD_PARTIALS, HEAD_LOSS,
        NORM_BACK, DOUT, REGATHER_LN2, MLP_BACK, NORM2_BACK, REGATHER_LN1, ATTENTION_BACK, NORM1_BACK, EMBED_DOUT, END, RELOAD }

    private final Action action;
    private final int unit;
    private final int micro;

    private TpStep(Action action, int unit, int micro) {
        this.action = action;
        this.unit = unit;
        this.micro = micro;
    }

    /**
     * Appends one micro-batch's phases and TP collectives: per layer 2 R forward and 2 backward (and under
     * SEQUENCE 2 G each way), R after the embedding lookup and the head's backward, G before the head and
     * the embedding backward, and the cross-entropy's MAX and fused SUM AllReduces of b·s compute-type values.
     * Under SEQUENCE the ln2 and ln1 outputs, kept as local rows, are AllGathered again (buffer {@code tpy}) before
     * fc1's and qkv's backward (Korthikanti et al. 2022 §4.2.3). {@code between} runs after the head's backward,
     * before the final norm's (the ZeRO ops ending the forward and starting the backward); with {@code reload}
     * (ZeRO-3) the phases then read their parameters again from the re-gathered buffers.
     */
    static void microBatch(List<Op> out, TpMode mode, int micro, int layers, int tokens, int activation,
                           List<Op> between, boolean reload) {
        List<Seg> x = List.of(Seg.whole("tpx", activation));
        Op reduce = mode.gathers() ? new RingReduceScatter(x, RankGrid.Group.TP) : new RingAllReduce(x, RankGrid.Group.TP);
        Op gather = mode.gathers() ? new RingAllGather(x, RankGrid.Group.TP) : null;
        Op again = mode.gathers() ? new RingAllGather(List.of(Seg.whole("tpy", activation)), RankGrid.Group.TP) : null;
        out.add(new TpStep(Action.BEGIN, -1, micro));
        out.add(reduce);
        out.add(new TpStep(Action.EMBED, 0, micro));
        for (int u = 1; u <= layers; u++) {
            add(out, new TpStep(Action.NORM1, u, micro), gather);
            add(out, new TpStep(Action.ATTENTION, u, micro), reduce);
            add(out, new TpStep(Action.NORM2, u, micro), gather);
            add(out, new TpStep(Action.MLP, u, micro), reduce);
            out.add(new TpStep(Action.RESIDUAL, u, micro));
        }
        add(out, new TpStep(Action.FINAL_NORM, layers + 1, micro), gather);
        out.add(new TpStep(Action.HEAD_MAX, layers + 1, micro));
        out.add(RingAllReduce.max(List.of(new Seg("tpl", 0, tokens)), RankGrid.Group.TP));
        out.add(new TpStep(Action.HEAD_PARTIALS, layers + 1, micro));
        out.add(new RingAllReduce(List.of(new Seg("tpl", 0, tokens), new Seg("tpl", tokens, tokens)), RankGrid.Group.TP));
        add(out, new TpStep(Action.HEAD_LOSS, layers + 1, micro), reduce);
        out.addAll(between);
        if (reload) out.add(new TpStep(Action.RELOAD, -1, micro));
        out.add(new TpStep(Action.NORM_BACK, layers + 1, micro));
        for (int u = layers; u >= 1; u--) {
            add(out, new TpStep(Action.DOUT, u, micro), gather);
            if (mode.gathers()) add(out, new TpStep(Action.REGATHER_LN2, u, micro), again);
            add(out, new TpStep(Action.MLP_BACK, u, micro), reduce);
            add(out, new TpStep(Action.NORM2_BACK, u, micro), gather);
            if (mode.gathers()) add(out, new TpStep(Action.REGATHER_LN1, u, micro), again);
            add(out, new TpStep(Action.ATTENTION_BACK, u, micro), reduce);
            out.add(new TpStep(Action.NORM1_BACK, u, micro));
        }
        add(out, new TpStep(Action.EMBED_DOUT, 0, micro), gather);
        out.add(new TpStep(Action.END, 0, micro));
    }

    /**
     * Appends, under SEQUENCE, the SUM AllReduce over the TP group of the gradients only partial on each rank
     * (LayerNorm gains and biases, wpe: {@link TpShards#sequenceParallelPartialGrads}, Korthikanti et al.
     * 2022 §4.2.2), one segment per tensor of local units {@code units}' buffers {@code prefix<u>}: once per
     * step on the accumulated {@code g} (DDP, ZeRO-1), after every micro-batch on the transient {@code gt} (ZeRO-2/3).
     */
    static void partialGradSync(List<Op> out, TpMode mode, TpShards shards, StageLayout layout, int[] units, String prefix) {
        if (!mode.gathers()) return;
        List<Seg> segs = new ArrayList<>();
        for (int local : units) {
            int u = layout.units().get(local).get(0).modelUnit();
            int[] at = layout.locate(u);
            for (String name : shards.sequenceParallelPartialGrads(u))
                for (var t : shards.tensors(u))
                    if (t.name().equals(name))
                        segs.add(new Seg(prefix + at[0], at[1] + Math.toIntExact(t.offset()), Math.toIntExact(t.elements())));
        }
        out.add(new RingAllReduce(segs, RankGrid.Group.TP));
    }

    private static void add(List<Op> out, Op phase, Op collective) {
        out.add(phase);
        if (collective != null) out.add(collective);
    }

    @Override
    public boolean advance(RankState rank, int round) {
        StrategyProgram prog = (StrategyProgram) rank.program();
        TensorParallel tp = prog.tensorParallel();
        int r = rank.topology().grid().tpIndex(rank.rank());
        if (action == Action.BEGIN) {
            rank.scratch = begin(rank, prog, tp, r);
            Live live = (Live) rank.scratch;
            live.emb = tp.embedding(r, live.params[0], live.grads[0], live.batch);
            write(rank, live.emb.lookupPartial());
            rank.record(pass(Pass.F, live, ""));
            return true;
        }
        if (!(rank.scratch instanceof Live live))
            throw new IllegalStateException("rank " + rank.rank() + ": the micro-batch's TP phases are gone "
                    + "(its partition was serialized between supersteps)");
        int u = unit;
        switch (action) {
            case EMBED -> live.x = live.emb.addPositions(local(rank, live));
            case NORM1 -> {
                live.blocks[u] = tp.block(u, r, live.params[u], live.grads[u], live.batch);
                toGather(rank, live, live.blocks[u].norm1(live.x));
            }
            case ATTENTION -> write(rank, live.blocks[u].attention(gathered(rank, live)));
            case NORM2 -> toGather(rank, live, live.blocks[u].norm2(local(rank, live)));
            case MLP -> write(rank, live.blocks[u].mlp(gathered(rank, live)));
            case RESIDUAL -> {
                live.x = live.blocks[u].residual(local(rank, live));
                live.metered[u] = live.blocks[u].savedBytes();
                rank.meter(MemCategory.ACTIVATIONS, live.metered[u]);
            }
            case FINAL_NORM -> {
                live.norm = tp.finalNormForward(live.params[u], live.x);
                live.meterEdges(rank);
                toGather(rank, live, live.norm.value());
            }
            case HEAD_MAX -> {
                live.head = tp.head(r, live.params[0], live.grads[0], live.batch);
                writeAt(rank, "tpl", live.head.localMax(gathered(rank, live)), 0);
            }
            case HEAD_PARTIALS -> {
                TpHead.SoftmaxPartials parts = live.head.partials(vector(rank, live, 0));
                writeAt(rank, "tpl", parts.sumExp(), 0);
                writeAt(rank, "tpl", parts.targetLogit(), live.tokens);
                live.headMetered = live.head.savedBytes();
                rank.meter(MemCategory.ACTIVATIONS, live.headMetered);
            }
            case HEAD_LOSS -> {
                double loss = live.head.loss(vector(rank, live, 0), vector(rank, live, live.tokens));
                if (r == 0) rank.addLoss(loss);
                rank.record(pass(Pass.BW, live, rank.rank() + ":" + label(Pass.F, live)));
                write(rank, live.head.backward());
                rank.meter(MemCategory.ACTIVATIONS, -live.headMetered);
            }
            case NORM_BACK -> {
                live.x = tp.finalNormBackward(live.params[u], live.norm, local(rank, live), live.grads[u]);
                live.releaseEdges(rank);
            }
            case DOUT, EMBED_DOUT -> toGather(rank, live, live.x);
            case REGATHER_LN2 -> writeAt(rank, "tpy", live.blocks[u].ln2OutputLocal(), live.localFrom);
            case REGATHER_LN1 -> writeAt(rank, "tpy", live.blocks[u].ln1OutputLocal(), live.localFrom);
            case MLP_BACK -> write(rank, live.gathers ? live.blocks[u].mlpBackward(gathered(rank, live), regathered(rank, live))
                    : live.blocks[u].mlpBackward(gathered(rank, live)));
            case NORM2_BACK -> toGather(rank, live, live.blocks[u].norm2Backward(local(rank, live)));
            case ATTENTION_BACK -> write(rank, live.gathers
                    ? live.blocks[u].attentionBackward(gathered(rank, live), regathered(rank, live))
                    : live.blocks[u].attentionBackward(gathered(rank, live)));
            case NORM1_BACK -> {
                live.x = live.blocks[u].norm1Backward(local(rank, live));
                live.blocks[u] = null;
                rank.meter(MemCategory.ACTIVATIONS, -live.metered[u]);
            }
            case END -> {
                live.emb.backward(gathered(rank, live));
                for (int v = 0; v < live.grads.length; v++) {
                    Buf g = rank.buf(prog.gradBuffer(v));
                    double[] values = live.grads[v].toDoubleVector();
                    for (int i = 0; i < values.length; i++) g.add(i, values[i]);
                }
                rank.free("tpx");
                rank.free("tpl");
                if (live.gathers) rank.free("tpy");
                rank.scratch = null;
            }
            case RELOAD -> {
                for (int v = 0; v < live.params.length; v++)
                    live.params[v].assign(rank.buf(prog.paramBuffer(v)).toNd(0, prog.size[v], live.dtype));
            }
            case BEGIN -> throw new AssertionError("handled above");
        }
        return true;
    }

    private Live begin(RankState rank, StrategyProgram prog, TensorParallel tp, int r) {
        Strategy s = prog.strategy;
        GptExecModel model = (GptExecModel) prog.model;
        Live live = new Live();
        int units = prog.size.length;
        live.start(rank, prog, tp, micro, units);
        for (int v = 0; v < units; v++) {
            live.params[v] = rank.buf(prog.paramBuffer(v)).toNd(0, prog.size[v], live.dtype);
            live.grads[v] = tp.zeroShard(v);
        }
        live.tokens = s.microBatch() * model.config().seqLen();
        live.activation = model.activationElements(s.microBatch());
        live.hidden = model.config().hidden();
        live.gathers = tp.mode().gathers();
        live.localRows = Math.toIntExact(tp.localRows(s.microBatch(), model.config().seqLen()));
        live.localFrom = live.gathers ? r * live.localRows * live.hidden : 0;
        live.last = units - 1;
        double flops = model.headFlops(s.microBatch());
        for (int v = 0; v < units; v++) flops += model.forwardFlops(v, s.microBatch());
        live.forwardFlops = flops / tp.degree();
        rank.alloc("tpx", MemCategory.COMM_BUFFERS, s.precision().working(), live.activation);
        rank.alloc("tpl", MemCategory.COMM_BUFFERS, s.precision().compute(), 2 * live.tokens);
        if (live.gathers) rank.alloc("tpy", MemCategory.COMM_BUFFERS, s.precision().working(), live.activation);
        return live;
    }

    /** {@return a pass event over all units; the backward does twice the forward's FLOPs (Narayanan et al. 2021 eq. 3)} */
    private ExecutedEvent pass(Pass kind, Live live, String dependsOn) {
        double flops = kind == Pass.F ? live.forwardFlops : 2 * live.forwardFlops;
        return ExecutedEvent.pass(kind, label(kind, live), micro, 0, 0, live.last, flops, 0, dependsOn);
    }

    private String label(Pass kind, Live live) { return kind + "" + micro + ".0 u0-" + live.last; }

    /** Leaves the local rows for G: in this rank's chunk of {@code tpx} (SEQUENCE), or in the phase objects (TENSOR). */
    private static void toGather(RankState rank, Live live, INDArray localRows) {
        if (live.gathers) writeAt(rank, "tpx", localRows, live.localFrom);
        else live.pending = localRows;
    }

    /** {@return the result of G: all of {@code tpx} (SEQUENCE) or the tensor left by {@link #toGather} (TENSOR)} */
    private static INDArray gathered(RankState rank, Live live) {
        if (live.gathers) return read(rank, live, 0, live.activation);
        INDArray x = live.pending;
        live.pending = null;
        return x;
    }

    /** {@return the result of R: this rank's chunk of {@code tpx} (its local rows)} */
    private static INDArray local(RankState rank, Live live) {
        return read(rank, live, live.localFrom, live.localRows * live.hidden);
    }

    private static void write(RankState rank, INDArray value) { writeAt(rank, "tpx", value, 0); }

    private static void writeAt(RankState rank, String buffer, INDArray value, int at) {
        rank.buf(buffer).setFrom(Nd4j.toFlattened('c', value), at);
    }

    private static INDArray read(RankState rank, Live live, int from, int count) {
        return rank.buf("tpx").toNd(from, count, live.dtype).reshape('c', count / live.hidden, live.hidden);
    }

    /** {@return the AllGathered {@code tpy}: a column-parallel layer's input gathered again for its backward} */
    private static INDArray regathered(RankState rank, Live live) {
        return rank.buf("tpy").toNd(0, live.activation, live.dtype).reshape('c', live.activation / live.hidden, live.hidden);
    }

    private static INDArray vector(RankState rank, Live live, int from) {
        return rank.buf("tpl").toNd(from, live.tokens, live.dtype);
    }

    /** A pp = 1 micro-batch's TP state, plus what TpStep needs to move tensors through its buffers and log the pass. */
    static final class Live extends TpPassState {
        boolean gathers;
        int tokens;
        int activation;
        int hidden;
        int localRows;
        int localFrom;
        int last;
        double forwardFlops;
    }

    @Override
    public String toString() { return "TP " + action + (unit >= 0 ? " u" + unit : "") + " mb" + micro; }
}

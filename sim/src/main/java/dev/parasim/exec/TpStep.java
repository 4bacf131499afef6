package dev.parasim.exec;

import dev.parasim.exec.model.Activation;
import dev.parasim.exec.model.Batch;
import dev.parasim.exec.model.TensorParallel;
import dev.parasim.exec.model.TpBlock;
import dev.parasim.exec.model.TpEmbedding;
import dev.parasim.exec.model.TpHead;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * A local phase of one micro-batch of a tensor-parallel rank (Megatron, Shoeybi et al. 2019 §3): the
 * {@link TensorParallel} phases between the TP group's collectives, which the program runs as ring
 * AllReduces on {@link RankGrid.Group#TP} over the buffer {@code tpx} (b·s·h elements of the working
 * type: the f/g operators) and {@code tpl} (2·b·s fp32: the parallel cross-entropy's max, Σe^z and
 * target logit). The phase objects live in {@link RankState#scratch} between supersteps.
 */
final class TpStep implements Op {
    private static final long serialVersionUID = 1L;

    enum Action { BEGIN, EMBED, ATTENTION, MLP, RESIDUAL, HEAD_MAX, HEAD_PARTIALS, HEAD_LOSS, NORM_BACK, MLP_BACK, ATTENTION_BACK,
        NORM1_BACK, END }

    private final Action action;
    private final int unit;
    private final int micro;

    private TpStep(Action action, int unit, int micro) {
        this.action = action;
        this.unit = unit;
        this.micro = micro;
    }

    /** Appends one micro-batch's phases and TP collectives (TENSOR mode: 2 + 4·L + 1 AllReduces of b·s·h, 2 of b·s fp32). */
    static void microBatch(List<Op> out, int micro, int layers, int tokens, int activation) {
        List<Seg> x = List.of(Seg.whole("tpx", activation));
        out.add(new TpStep(Action.BEGIN, -1, micro));
        out.add(new RingAllReduce(x, RankGrid.Group.TP));
        out.add(new TpStep(Action.EMBED, 0, micro));
        for (int u = 1; u <= layers; u++) {
            out.add(new TpStep(Action.ATTENTION, u, micro));
            out.add(new RingAllReduce(x, RankGrid.Group.TP));
            out.add(new TpStep(Action.MLP, u, micro));
            out.add(new RingAllReduce(x, RankGrid.Group.TP));
            out.add(new TpStep(Action.RESIDUAL, u, micro));
        }
        out.add(new TpStep(Action.HEAD_MAX, layers + 1, micro));
        out.add(RingAllReduce.max(List.of(new Seg("tpl", 0, tokens)), RankGrid.Group.TP));
        out.add(new TpStep(Action.HEAD_PARTIALS, layers + 1, micro));
        out.add(new RingAllReduce(List.of(new Seg("tpl", 0, tokens), new Seg("tpl", tokens, tokens)), RankGrid.Group.TP));
        out.add(new TpStep(Action.HEAD_LOSS, layers + 1, micro));
        out.add(new RingAllReduce(x, RankGrid.Group.TP));
        out.add(new TpStep(Action.NORM_BACK, layers + 1, micro));
        for (int u = layers; u >= 1; u--) {
            out.add(new TpStep(Action.MLP_BACK, u, micro));
            out.add(new RingAllReduce(x, RankGrid.Group.TP));
            out.add(new TpStep(Action.ATTENTION_BACK, u, micro));
            out.add(new RingAllReduce(x, RankGrid.Group.TP));
            out.add(new TpStep(Action.NORM1_BACK, u, micro));
        }
        out.add(new TpStep(Action.END, 0, micro));
    }

    @Override
    public boolean advance(RankState rank, int round) {
        StrategyProgram prog = (StrategyProgram) rank.program();
        TensorParallel tp = prog.tensorParallel();
        int r = rank.topology().grid().tpIndex(rank.rank());
        if (action == Action.BEGIN) {
            rank.scratch = begin(rank, prog, tp);
            Live live = (Live) rank.scratch;
            live.emb = tp.embedding(r, live.params[0], live.grads[0], live.batch);
            write(rank, "tpx", live.emb.lookupPartial());
            return true;
        }
        if (!(rank.scratch instanceof Live live))
            throw new IllegalStateException("rank " + rank.rank() + ": the micro-batch's TP phases are gone "
                    + "(its partition was serialized between supersteps)");
        int u = unit;
        switch (action) {
            case EMBED -> live.x = live.emb.addPositions(read(rank, live, "tpx", 0, live.activation));
            case ATTENTION -> {
                live.blocks[u] = tp.block(u, r, live.params[u], live.grads[u], live.batch);
                write(rank, "tpx", live.blocks[u].attention(live.blocks[u].norm1(live.x)));
            }
            case MLP -> write(rank, "tpx", live.blocks[u].mlp(live.blocks[u].norm2(read(rank, live, "tpx", 0, live.activation))));
            case RESIDUAL -> live.x = live.blocks[u].residual(read(rank, live, "tpx", 0, live.activation));
            case HEAD_MAX -> {
                live.norm = tp.finalNormForward(live.params[u], live.x);
                live.head = tp.head(r, live.params[0], live.grads[0], live.batch);
                writeAt(rank, "tpl", live.head.localMax(live.norm.value()), 0);
            }
            case HEAD_PARTIALS -> {
                TpHead.SoftmaxPartials parts = live.head.partials(vector(rank, live, 0));
                writeAt(rank, "tpl", parts.sumExp(), 0);
                writeAt(rank, "tpl", parts.targetLogit(), live.tokens);
            }
            case HEAD_LOSS -> {
                double loss = live.head.loss(vector(rank, live, 0), vector(rank, live, live.tokens));
                if (r == 0) rank.addLoss(loss);
                write(rank, "tpx", live.head.backward());
            }
            case NORM_BACK -> live.x = tp.finalNormBackward(live.params[u], live.norm, read(rank, live, "tpx", 0, live.activation),
                    live.grads[u]);
            case MLP_BACK -> write(rank, "tpx", live.blocks[u].mlpBackward(live.x));
            case ATTENTION_BACK -> write(rank, "tpx",
                    live.blocks[u].attentionBackward(live.blocks[u].norm2Backward(read(rank, live, "tpx", 0, live.activation))));
            case NORM1_BACK -> {
                live.x = live.blocks[u].norm1Backward(read(rank, live, "tpx", 0, live.activation));
                live.blocks[u] = null;
            }
            case END -> {
                live.emb.backward(live.x);
                for (int v = 0; v < live.grads.length; v++) {
                    Buf g = rank.buf("g" + v);
                    double[] values = live.grads[v].toDoubleVector();
                    for (int i = 0; i < values.length; i++) g.add(i, values[i]);
                }
                rank.free("tpx");
                rank.free("tpl");
                rank.scratch = null;
            }
            case BEGIN -> throw new AssertionError("handled above");
        }
        return true;
    }

    private Live begin(RankState rank, StrategyProgram prog, TensorParallel tp) {
        Strategy s = prog.strategy;
        GptExecModel model = (GptExecModel) prog.model;
        Live live = new Live();
        live.batch = model.batch(rank.step(), rank.dpIndex() * s.microBatches() + micro, s.microBatch());
        live.dtype = tp.gpt().dtype();
        int units = prog.size.length;
        live.params = new INDArray[units];
        live.grads = new INDArray[units];
        for (int v = 0; v < units; v++) {
            live.params[v] = rank.buf("p" + v).toNd(0, prog.size[v], live.dtype);
            live.grads[v] = tp.zeroShard(v);
        }
        live.blocks = new TpBlock[units];
        live.tokens = s.microBatch() * model.config().seqLen();
        live.activation = model.activationElements(s.microBatch());
        live.hidden = model.config().hidden();
        rank.alloc("tpx", MemCategory.COMM_BUFFERS, s.precision().working(), live.activation);
        rank.alloc("tpl", MemCategory.COMM_BUFFERS, Dtype.F32, 2 * live.tokens);
        return live;
    }

    private static void write(RankState rank, String buffer, INDArray value) { writeAt(rank, buffer, value, 0); }

    private static void writeAt(RankState rank, String buffer, INDArray value, int at) {
        rank.buf(buffer).setFrom(Nd4j.toFlattened('c', value), at);
    }

    private static INDArray read(RankState rank, Live live, String buffer, int from, int count) {
        return rank.buf(buffer).toNd(from, count, live.dtype).reshape('c', count / live.hidden, live.hidden);
    }

    private static INDArray vector(RankState rank, Live live, int from) {
        return rank.buf("tpl").toNd(from, live.tokens, live.dtype);
    }

    /** One micro-batch's TP phase objects and the tensors between them. */
    static final class Live {
        Batch batch;
        DataType dtype;
        INDArray[] params;
        INDArray[] grads;
        TpEmbedding emb;
        TpBlock[] blocks;
        Activation norm;
        TpHead head;
        INDArray x;
        int tokens;
        int activation;
        int hidden;
    }

    @Override
    public String toString() { return "TP " + action + (unit >= 0 ? " u" + unit : "") + " mb" + micro; }
}

package dev.parasim.exec;

import dev.parasim.exec.model.Activation;
import dev.parasim.exec.model.Batch;
import dev.parasim.exec.model.TensorParallel;
import dev.parasim.exec.model.TpBlock;
import dev.parasim.exec.model.TpEmbedding;
import dev.parasim.exec.model.TpHead;
import dev.parasim.program.Pass;
import dev.parasim.program.PassRef;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * One pass of a pipeline stage whose ranks are a TP group (Megatron 3D): the {@link TensorParallel}
 * phases of the chunk's units as local ops between ring collectives on the TP group, run by
 * {@link PipelineOp} one collective round per superstep. Across a stage boundary each TP rank sends
 * only its 1/t slice of the b·s·h activation (or gradient) to the rank of the same TP index, and the
 * receiving TP group AllGathers the slices (Narayanan et al. 2021 §4.1, the scatter/gather optimisation).
 * A block's saved tensors ({@link TpBlock#savedBytes()}) are metered as activations from the end of its
 * forward to the end of its backward; {@link PipelineOp} logs each inner collective as a COLLECTIVE event.
 */
final class TpStagePass {
    private TpStagePass() {}

    /** {@return the ops of pass {@code ref} on a TP rank of {@code layout}'s stage} */
    static List<Op> ops(PassRef ref, StageLayout layout, int tp, int tokens, int activation) {
        List<Op> out = new ArrayList<>();
        int c = ref.chunk();
        int virtual = layout.virtualStage(c), last = layout.pp() * layout.chunks() - 1;
        int[] units = layout.chunkUnits(c);
        List<Seg> x = List.of(Seg.whole("tpx", activation));
        if (ref.pass() == Pass.F) {
            out.add(new Phase(Phase.Action.BEGIN, -1, ref));
            if (virtual == 0) {
                out.add(new RingAllReduce(x, RankGrid.Group.TP));
                out.add(new Phase(Phase.Action.EMBED, 0, ref));
            } else {
                out.add(new RingAllGather(x, RankGrid.Group.TP));
                out.add(new Phase(Phase.Action.TAKE_INPUT, -1, ref));
            }
            for (int u : units) {
                if (u == 0 || u == layout.layers() + 1) continue;
                out.add(new Phase(Phase.Action.ATTENTION, u, ref));
                out.add(new RingAllReduce(x, RankGrid.Group.TP));
                out.add(new Phase(Phase.Action.MLP, u, ref));
                out.add(new RingAllReduce(x, RankGrid.Group.TP));
                out.add(new Phase(Phase.Action.RESIDUAL, u, ref));
            }
            if (virtual == last) {
                out.add(new Phase(Phase.Action.HEAD_MAX, layout.layers() + 1, ref));
                out.add(RingAllReduce.max(List.of(new Seg("tpl", 0, tokens)), RankGrid.Group.TP));
                out.add(new Phase(Phase.Action.HEAD_PARTIALS, -1, ref));
                out.add(new RingAllReduce(List.of(new Seg("tpl", 0, tokens), new Seg("tpl", tokens, tokens)), RankGrid.Group.TP));
                out.add(new Phase(Phase.Action.HEAD_LOSS, -1, ref));
            } else {
                out.add(new Phase(Phase.Action.SEND, -1, ref));
            }
            return out;
        }
        if (ref.pass() == Pass.W) {
            out.add(new Phase(Phase.Action.WEIGHTS, -1, ref));
            return out;
        }
        out.add(new Phase(Phase.Action.BEGIN_BACKWARD, -1, ref));
        if (virtual == last) {
            out.add(new RingAllReduce(x, RankGrid.Group.TP));
            out.add(new Phase(Phase.Action.NORM_BACK, layout.layers() + 1, ref));
        } else {
            out.add(new RingAllGather(x, RankGrid.Group.TP));
            out.add(new Phase(Phase.Action.TAKE_INPUT, -1, ref));
        }
        for (int i = units.length - 1; i >= 0; i--) {
            int u = units[i];
            if (u == 0 || u == layout.layers() + 1) continue;
            out.add(new Phase(Phase.Action.MLP_BACK, u, ref));
            out.add(new RingAllReduce(x, RankGrid.Group.TP));
            out.add(new Phase(Phase.Action.ATTENTION_BACK, u, ref));
            out.add(new RingAllReduce(x, RankGrid.Group.TP));
            out.add(new Phase(Phase.Action.NORM1_BACK, u, ref));
        }
        out.add(new Phase(virtual == 0 ? Phase.Action.EMBED_BACK : Phase.Action.SEND, -1, ref));
        out.add(new Phase(Phase.Action.END_BACKWARD, -1, ref));
        return out;
    }

    /** One micro-batch chunk's TP phase objects, parameter and gradient arrays (by model unit; −1: the head's wte copy). */
    static final class Live {
        Batch batch;
        DataType dtype;
        INDArray[] params;
        INDArray[] grads;
        TpEmbedding emb;
        TpBlock[] blocks;
        /** Bytes metered as activations per block, from the end of its forward to the end of its backward. */
        long[] metered;
        Activation norm;
        TpHead head;
        INDArray x;
    }

    /** A local phase of a TP stage pass. */
    static final class Phase implements Op {
        private static final long serialVersionUID = 1L;

        enum Action { BEGIN, EMBED, TAKE_INPUT, ATTENTION, MLP, RESIDUAL, HEAD_MAX, HEAD_PARTIALS, HEAD_LOSS, SEND,
            BEGIN_BACKWARD, NORM_BACK, MLP_BACK, ATTENTION_BACK, NORM1_BACK, EMBED_BACK, END_BACKWARD, WEIGHTS }

        private final Action action;
        private final int unit;
        private final Pass pass;
        private final int micro;
        private final int chunk;

        Phase(Action action, int unit, PassRef ref) {
            this.action = action;
            this.unit = unit;
            this.pass = ref.pass();
            this.micro = ref.microBatch();
            this.chunk = ref.chunk();
        }

        @Override
        public boolean advance(RankState rank, int round) {
            PipelineOp.Live pipe = (PipelineOp.Live) rank.scratch;
            PipelineOp op = pipe.op;
            StrategyProgram prog = (StrategyProgram) rank.program();
            StageLayout layout = prog.layout;
            TensorParallel tp = prog.tensorParallel();
            int r = prog.tpRank();
            int u = unit;
            long key = PipelineOp.key(micro, chunk);
            Live live = pipe.tp.get(key);
            switch (action) {
                case BEGIN -> {
                    live = begin(rank, prog, tp, layout);
                    pipe.tp.put(key, live);
                    if (layout.virtualStage(chunk) == 0) {
                        live.emb = tp.embedding(r, live.params[0], live.grads[0], live.batch);
                        write(rank, "tpx", live.emb.lookupPartial());
                    } else {
                        op.receive(rank, Pass.F, micro, chunk, r);
                    }
                }
                case EMBED -> live.x = live.emb.addPositions(read(rank, live));
                case TAKE_INPUT -> live.x = read(rank, live);
                case ATTENTION -> {
                    live.blocks[u] = tp.block(u, r, live.params[u], live.grads[u], live.batch);
                    write(rank, "tpx", live.blocks[u].attention(live.blocks[u].norm1(live.x)));
                }
                case MLP -> write(rank, "tpx", live.blocks[u].mlp(live.blocks[u].norm2(read(rank, live))));
                case RESIDUAL -> {
                    live.x = live.blocks[u].residual(read(rank, live));
                    live.metered[u] = live.blocks[u].savedBytes();
                    rank.meter(MemCategory.ACTIVATIONS, live.metered[u]);
                }
                case HEAD_MAX -> {
                    live.norm = tp.finalNormForward(live.params[u], live.x);
                    live.head = tp.head(r, live.params[0], live.grads[0], live.batch);
                    rank.buf("tpl").setFrom(live.head.localMax(live.norm.value()), 0);
                }
                case HEAD_PARTIALS -> {
                    TpHead.SoftmaxPartials parts = live.head.partials(vector(rank, live, 0));
                    rank.buf("tpl").setFrom(parts.sumExp(), 0);
                    rank.buf("tpl").setFrom(parts.targetLogit(), tokens(rank));
                }
                case HEAD_LOSS -> {
                    double loss = live.head.loss(vector(rank, live, 0), vector(rank, live, tokens(rank)));
                    if (r == 0) rank.addLoss(loss);
                }
                case SEND -> op.sendSlice(rank, pass, micro, chunk, r, live.x);
                case BEGIN_BACKWARD -> {
                    if (layout.virtualStage(chunk) == layout.pp() * layout.chunks() - 1) write(rank, "tpx", live.head.backward());
                    else op.receive(rank, pass, micro, chunk, r);
                }
                case NORM_BACK -> live.x = tp.finalNormBackward(live.params[u], live.norm, read(rank, live), live.grads[u]);
                case MLP_BACK -> write(rank, "tpx", live.blocks[u].mlpBackward(live.x));
                case ATTENTION_BACK -> write(rank, "tpx", live.blocks[u].attentionBackward(live.blocks[u].norm2Backward(read(rank, live))));
                case NORM1_BACK -> {
                    live.x = live.blocks[u].norm1Backward(read(rank, live));
                    live.blocks[u] = null;
                    rank.meter(MemCategory.ACTIVATIONS, -live.metered[u]);
                }
                case EMBED_BACK -> live.emb.backward(live.x);
                case END_BACKWARD -> {
                    pipe.tp.remove(key);
                    if (pass == Pass.B) pipe.tpPending.put(key, live);
                    else addGrads(rank, layout, live);
                }
                case WEIGHTS -> addGrads(rank, layout, pipe.tpPending.remove(key));
            }
            return true;
        }

        private Live begin(RankState rank, StrategyProgram prog, TensorParallel tp, StageLayout layout) {
            Strategy s = prog.strategy;
            GptExecModel model = (GptExecModel) prog.model;
            Live live = new Live();
            live.batch = model.batch(rank.step(), rank.dpIndex() * s.microBatches() + micro, s.microBatch());
            live.dtype = tp.gpt().dtype();
            int units = model.units();
            live.params = new INDArray[units];
            live.grads = new INDArray[units];
            live.blocks = new TpBlock[units];
            live.metered = new long[units];
            for (int v : layout.chunkUnits(chunk)) {
                int[] at = layout.locate(v);
                live.params[v] = rank.buf("p" + at[0]).toNd(at[1], Math.toIntExact(tp.shards().shardSize(v)), live.dtype);
                live.grads[v] = tp.zeroShard(v);
            }
            if (layout.virtualStage(chunk) == layout.pp() * layout.chunks() - 1 && live.params[0] == null) {
                // The last stage's head reads its wte copy through a unit-0-shaped shard (wpe rows zero, unused).
                int[] at = layout.headWeights();
                INDArray unit0 = tp.zeroShard(0);
                unit0.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, layout.wteElements()))
                        .assign(rank.buf("p" + at[0]).toNd(at[1], layout.wteElements(), live.dtype));
                live.params[0] = unit0;
                live.grads[0] = tp.zeroShard(0);
            }
            return live;
        }

        /** Adds a pass's gradients into the local gradient buffers (the head's wte gradient into the wte copy on a last stage). */
        private void addGrads(RankState rank, StageLayout layout, Live live) {
            for (int v = 0; v < live.grads.length; v++) {
                if (live.grads[v] == null) continue;
                boolean copy = v == 0 && !layout.first();
                int[] at = copy ? layout.headWeights() : layout.locate(v);
                double[] values = live.grads[v].toDoubleVector();
                int count = copy ? layout.wteElements() : values.length;
                Buf g = rank.buf("g" + at[0]);
                for (int i = 0; i < count; i++) g.add(at[1] + i, values[i]);
            }
        }

        private static int tokens(RankState rank) { return rank.buf("tpl").length() / 2; }

        private static void write(RankState rank, String buffer, INDArray value) {
            rank.buf(buffer).setFrom(Nd4j.toFlattened('c', value), 0);
        }

        private static INDArray read(RankState rank, Live live) {
            Buf b = rank.buf("tpx");
            int rows = live.batch.sequences() * live.batch.seqLen();
            return b.toNd(0, b.length(), live.dtype).reshape('c', rows, b.length() / rows);
        }

        private static INDArray vector(RankState rank, Live live, int from) {
            return rank.buf("tpl").toNd(from, tokens(rank), live.dtype);
        }

        @Override
        public String toString() { return "TP " + action + (unit >= 0 ? " u" + unit : "") + " " + pass + micro + "." + chunk; }
    }
}

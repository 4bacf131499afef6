package dev.parasim.exec;

import dev.parasim.exec.model.TensorParallel;
import dev.parasim.exec.model.TpBlock;
import dev.parasim.exec.model.TpHead;
import dev.parasim.exec.model.TpMode;
import dev.parasim.program.Buffer;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static dev.parasim.collective.CollectiveKind.ALL_GATHER;
import static dev.parasim.collective.CollectiveKind.ALL_REDUCE;
import static dev.parasim.collective.CollectiveKind.REDUCE_SCATTER;
import static dev.parasim.exec.TpRows.gathered;
import static dev.parasim.exec.TpRows.local;
import static dev.parasim.exec.TpRows.regathered;
import static dev.parasim.exec.TpRows.toGather;
import static dev.parasim.exec.TpRows.toGatherAgain;
import static dev.parasim.exec.TpRows.tokens;
import static dev.parasim.exec.TpRows.vector;
import static dev.parasim.exec.TpRows.write;
import static dev.parasim.program.Buffer.Kind.TP_ACTIVATION;
import static dev.parasim.program.Buffer.Kind.TP_LOSS_STATISTICS;

/**
 * One pass of a pipeline stage whose ranks are a TP group (Megatron 3D): the {@link TensorParallel}
 * phases of the chunk's units as local ops between ring collectives on the TP group, run by
 * {@link TpStageDriver} one collective round per superstep. Across a stage boundary each TP rank sends
 * only its 1/t slice of the b·s·h activation (or gradient) to the rank of the same TP index, and the
 * receiving TP group AllGathers the slices (Narayanan et al. 2021 §4.1, the scatter/gather optimisation).
 * A block's saved tensors ({@link TpBlock#savedBytes()}) are metered as activations from the end of its
 * forward to the end of its backward, the chunk's output (and on the last chunk the final norm's activation)
 * from the end of its forward until the backward replaces it, the head's softmax ({@link TpHead#savedBytes()})
 * from its softmax partials to its backward; {@link TpStageDriver} logs each inner collective as a COLLECTIVE event.
 * A ZB-H1 B defers the weight gradients of the blocks' linear layers and the head ({@code deferWeightGrads};
 * the LayerNorms' and the embedding's are computed in B, as the zero-bubble implementation does) and meters
 * what they keep from the end of B to its W, which computes them.
 */
final class TpStagePass {
    private TpStagePass() {}

    /**
     * {@return the ops of pass {@code ref} on a TP rank of {@code layout}'s stage}: R is a ring AllReduce
     * (TENSOR) or ReduceScatter (SEQUENCE), G nothing (TENSOR) or a ring AllGather (SEQUENCE). A received
     * boundary slice is AllGathered under TENSOR; under SEQUENCE it already is the rank's local rows
     * (Korthikanti et al. 2022 §4.2.2: the pipeline sends the sequence-parallel shard as it is).
     */
    static List<Op> ops(PassRef ref, StageLayout layout, TpPassOps z, int tp, TpMode mode, int tokens, int activation) {
        List<Op> out = new ArrayList<>();
        int c = ref.chunk();
        int virtual = layout.virtualStage(c), last = layout.pp() * layout.chunks() - 1, head = layout.layers() + 1;
        int[] units = layout.chunkUnits(c);
        int[] none = {};
        int[] embedding = virtual == 0 ? new int[] {layout.locate(0)[0]} : none;
        int[] finalNorm = virtual == last ? new int[] {layout.locate(head)[0]} : none;
        // One stage holds the whole model (pp = 1): the tied head reads unit 0, gathered with the embedding's.
        boolean whole = last == 0;
        int[] headUnits = whole ? new int[] {finalNorm[0], embedding[0]} : finalNorm;
        // The TP collectives, each taken from the pass's step-program body as the pass reaches it (TpPassOps).
        List<Seg> x = List.of(Seg.whole("tpx", activation));
        Buffer.Kind boundary = ref.pass() == Pass.F ? Buffer.Kind.BOUNDARY_ACTIVATION : Buffer.Kind.BOUNDARY_GRADIENT;
        Supplier<Op> reduce = () -> z.tensorParallel(mode.gathers() ? REDUCE_SCATTER : ALL_REDUCE, TP_ACTIVATION, x, false);
        Supplier<Op> gather = () -> mode.gathers() ? z.tensorParallel(ALL_GATHER, TP_ACTIVATION, x, false) : null;
        Supplier<Op> takeInput = () -> mode.gathers() ? null : z.tensorParallel(ALL_GATHER, boundary, x, false);
        Supplier<Op> again = () -> mode.gathers()
                ? z.tensorParallel(ALL_GATHER, TP_ACTIVATION, List.of(Seg.whole("tpy", activation)), false) : null;
        if (ref.pass() == Pass.F) {
            out.add(new Phase(Phase.Action.BEGIN, -1, ref));
            if (virtual == 0) {
                z.open(out, embedding, none);
                out.add(new Phase(Phase.Action.LOOKUP, -1, ref));
                add(out, reduce, new Phase(Phase.Action.EMBED, 0, ref));
                if (!whole) z.close(out, none, embedding, none);
            } else {
                add(out, takeInput, new Phase(Phase.Action.TAKE_INPUT, -1, ref));
            }
            for (int u : units) {
                if (u == 0 || u == head) continue;
                int[] local = {layout.locate(u)[0]};
                z.open(out, local, none);
                add(out, new Phase(Phase.Action.NORM1, u, ref), gather);
                add(out, new Phase(Phase.Action.ATTENTION, u, ref), reduce);
                add(out, new Phase(Phase.Action.NORM2, u, ref), gather);
                add(out, new Phase(Phase.Action.MLP, u, ref), reduce);
                out.add(new Phase(Phase.Action.RESIDUAL, u, ref));
                z.close(out, none, local, none);
            }
            if (virtual == last) {
                z.open(out, finalNorm, none);
                add(out, new Phase(Phase.Action.FINAL_NORM, head, ref), gather);
                out.add(new Phase(Phase.Action.HEAD_MAX, head, ref));
                out.add(z.tensorParallel(ALL_REDUCE, TP_LOSS_STATISTICS, List.of(new Seg("tpl", 0, tokens)), true));
                out.add(new Phase(Phase.Action.HEAD_PARTIALS, -1, ref));
                out.add(z.tensorParallel(ALL_REDUCE, TP_LOSS_STATISTICS,
                        List.of(new Seg("tpl", 0, tokens), new Seg("tpl", tokens, tokens)), false));
                out.add(new Phase(Phase.Action.HEAD_LOSS, -1, ref));
                z.close(out, none, headUnits, none);
            } else {
                out.add(new Phase(Phase.Action.SEND, -1, ref));
            }
            return out;
        }
        if (ref.pass() == Pass.W) {
            if (!z.active()) {
                out.add(new Phase(Phase.Action.WEIGHTS, -1, ref));
                return out;
            }
            if (virtual == last) z.weights(out, 0, headUnits, finalNorm);
            for (int i = units.length - 1; i >= 0; i--)
                if (units[i] != 0 && units[i] != head) z.weights(out, units[i], new int[] {layout.locate(units[i])[0]}, null);
            if (virtual == 0) z.weights(out, -1, whole ? none : embedding, embedding);
            out.add(new Phase(Phase.Action.WEIGHTS_END, -1, ref));
            return out;
        }
        if (virtual == last) z.open(out, headUnits, headUnits);
        out.add(new Phase(Phase.Action.BEGIN_BACKWARD, -1, ref));
        if (virtual == last) {
            add(out, reduce, new Phase(Phase.Action.NORM_BACK, head, ref));
            z.close(out, finalNorm, headUnits, finalNorm);
        } else {
            add(out, takeInput, new Phase(Phase.Action.TAKE_INPUT, -1, ref));
        }
        for (int i = units.length - 1; i >= 0; i--) {
            int u = units[i];
            if (u == 0 || u == head) continue;
            int[] local = {layout.locate(u)[0]};
            z.open(out, local, local);
            add(out, new Phase(Phase.Action.DOUT, u, ref), gather);
            if (mode.gathers()) add(out, new Phase(Phase.Action.REGATHER_LN2, u, ref), again);
            add(out, new Phase(Phase.Action.MLP_BACK, u, ref), reduce);
            add(out, new Phase(Phase.Action.NORM2_BACK, u, ref), gather);
            if (mode.gathers()) add(out, new Phase(Phase.Action.REGATHER_LN1, u, ref), again);
            add(out, new Phase(Phase.Action.ATTENTION_BACK, u, ref), reduce);
            out.add(new Phase(Phase.Action.NORM1_BACK, u, ref));
            z.close(out, local, local, local);
        }
        if (virtual == 0) {
            z.open(out, whole ? none : embedding, whole ? none : embedding);
            add(out, new Phase(Phase.Action.DOUT, 0, ref), gather);
            out.add(new Phase(Phase.Action.EMBED_BACK, -1, ref));
            z.close(out, embedding, whole ? none : embedding, embedding);
        } else {
            out.add(new Phase(Phase.Action.SEND, -1, ref));
        }
        out.add(new Phase(Phase.Action.END_BACKWARD, -1, ref));
        return out;
    }

    private static void add(List<Op> out, Supplier<Op> collective, Phase phase) {
        Op op = collective.get();
        if (op != null) out.add(op);
        out.add(phase);
    }

    private static void add(List<Op> out, Phase phase, Supplier<Op> collective) {
        out.add(phase);
        Op op = collective.get();
        if (op != null) out.add(op);
    }

    /** A local phase of a TP stage pass. */
    static final class Phase implements Op {
        private static final long serialVersionUID = 1L;

        enum Action { BEGIN, LOOKUP, LOAD, ADD, WEIGHTS_END, EMBED, TAKE_INPUT, NORM1, ATTENTION, NORM2, MLP, RESIDUAL, FINAL_NORM, HEAD_MAX, HEAD_PARTIALS,
            HEAD_LOSS, SEND, BEGIN_BACKWARD, NORM_BACK, DOUT, REGATHER_LN2, MLP_BACK, NORM2_BACK, REGATHER_LN1, ATTENTION_BACK,
            NORM1_BACK, EMBED_BACK, END_BACKWARD, WEIGHTS }

        private final Action action;
        private final int unit;
        private final PassRef ref;

        Phase(Action action, int unit, PassRef ref) {
            this.action = action;
            this.unit = unit;
            this.ref = ref;
        }

        @Override
        public boolean advance(RankState rank, int round) {
            Pass pass = ref.pass();
            int micro = ref.microBatch(), chunk = ref.chunk();
            PipelineStageState pipe = PipelineStageState.of(rank);
            StrategyProgram prog = (StrategyProgram) rank.program();
            StageLayout layout = prog.layout;
            TensorParallel tp = prog.tensorParallel();
            int r = prog.tpRank();
            int u = unit;
            long key = PipelineStageState.key(micro, chunk);
            TpPassState live = pipe.tp.get(key);
            switch (action) {
                case BEGIN -> {
                    live = begin(rank, prog, tp, layout);
                    pipe.tp.put(key, live);
                    if (layout.virtualStage(chunk) > 0) PipelineLinks.receiveSlice(rank, layout, Pass.F, micro, chunk, r);
                }
                case LOOKUP -> {
                    live.emb = tp.embedding(r, live.params[0], live.grads[0], live.batch);
                    write(rank, "tpx", live.emb.lookupPartial());
                }
                case LOAD -> load(rank, prog, tp, layout, live, u);
                case ADD -> addGrads(rank, layout, live != null ? live : pipe.tpAwaitingWeights.get(key), u);
                case EMBED -> live.x = live.emb.addPositions(local(rank, live, tp, r));
                case TAKE_INPUT -> {
                    if (pass != Pass.F) live.releaseEdges(rank);   // the output gradient replaces the chunk's output
                    live.x = local(rank, live, tp, r);
                }
                case NORM1 -> {
                    live.blocks[u] = tp.block(u, r, live.params[u], live.grads[u], live.batch);
                    toGather(rank, live, tp, r, live.blocks[u].norm1(live.x));
                }
                case ATTENTION -> write(rank, "tpx", live.blocks[u].attention(gathered(rank, live, tp)));
                case NORM2 -> toGather(rank, live, tp, r, live.blocks[u].norm2(local(rank, live, tp, r)));
                case MLP -> write(rank, "tpx", live.blocks[u].mlp(gathered(rank, live, tp)));
                case RESIDUAL -> {
                    live.x = live.blocks[u].residual(local(rank, live, tp, r));
                    live.metered[u] = live.blocks[u].savedBytes();
                    rank.meter(MemCategory.ACTIVATIONS, live.metered[u]);
                }
                case FINAL_NORM -> {
                    live.norm = tp.finalNormForward(live.params[u], live.x);
                    live.meterEdges(rank);
                    toGather(rank, live, tp, r, live.norm.value());
                }
                case HEAD_MAX -> {
                    live.head = tp.head(r, live.params[0], live.grads[0], live.batch);
                    rank.buf("tpl").setFrom(live.head.localMax(gathered(rank, live, tp)), 0);
                }
                case HEAD_PARTIALS -> {
                    TpHead.SoftmaxPartials parts = live.head.partials(vector(rank, live, 0));
                    rank.buf("tpl").setFrom(parts.sumExp(), 0);
                    rank.buf("tpl").setFrom(parts.targetLogit(), tokens(rank));
                    live.headMetered = live.head.savedBytes();
                    rank.meter(MemCategory.ACTIVATIONS, live.headMetered);
                }
                case HEAD_LOSS -> {
                    double loss = live.head.loss(vector(rank, live, 0), vector(rank, live, tokens(rank)));
                    if (r == 0) rank.addLoss(loss);
                }
                case SEND -> {
                    PipelineLinks.sendSlice(rank, layout, pass, micro, chunk, r, live.x, tp.mode().gathers());
                    if (pass == Pass.F) live.meterEdges(rank);   // the chunk keeps its output until the gradient arrives
                }
                case BEGIN_BACKWARD -> {
                    if (layout.virtualStage(chunk) == layout.pp() * layout.chunks() - 1) {
                        if (pass == Pass.B) live.deferred.add(new TpPassState.Deferred(0, live.head.deferWeightGrads()));
                        write(rank, "tpx", live.head.backward());
                        rank.meter(MemCategory.ACTIVATIONS, -live.headMetered);
                    } else {
                        PipelineLinks.receiveSlice(rank, layout, pass, micro, chunk, r);
                    }
                }
                case NORM_BACK -> {
                    live.x = tp.finalNormBackward(live.params[u], live.norm, local(rank, live, tp, r), live.grads[u]);
                    live.releaseEdges(rank);
                }
                case DOUT -> {
                    if (pass == Pass.B && u > 0) live.deferred.add(new TpPassState.Deferred(u, live.blocks[u].deferWeightGrads()));
                    toGather(rank, live, tp, r, live.x);
                }
                case REGATHER_LN2 -> toGatherAgain(rank, tp, r, live.blocks[u].ln2OutputLocal());
                case REGATHER_LN1 -> toGatherAgain(rank, tp, r, live.blocks[u].ln1OutputLocal());
                case MLP_BACK -> write(rank, "tpx", tp.mode().gathers()
                        ? live.blocks[u].mlpBackward(gathered(rank, live, tp), regathered(rank, live))
                        : live.blocks[u].mlpBackward(gathered(rank, live, tp)));
                case NORM2_BACK -> toGather(rank, live, tp, r, live.blocks[u].norm2Backward(local(rank, live, tp, r)));
                case ATTENTION_BACK -> write(rank, "tpx", tp.mode().gathers()
                        ? live.blocks[u].attentionBackward(gathered(rank, live, tp), regathered(rank, live))
                        : live.blocks[u].attentionBackward(gathered(rank, live, tp)));
                case NORM1_BACK -> {
                    live.x = live.blocks[u].norm1Backward(local(rank, live, tp, r));
                    live.blocks[u] = null;
                    rank.meter(MemCategory.ACTIVATIONS, -live.metered[u]);
                }
                case EMBED_BACK -> live.emb.backward(gathered(rank, live, tp));
                case END_BACKWARD -> {
                    pipe.tp.remove(key);
                    if (pass == Pass.B) {
                        for (TpPassState.Deferred d : live.deferred) live.deferredMetered += d.grads().bytes();
                        rank.meter(MemCategory.ACTIVATIONS, live.deferredMetered);
                        pipe.tpAwaitingWeights.put(key, live);
                    } else if (!prog.shardsGrads()) {
                        addGrads(rank, layout, live, -1);
                    }
                }
                case WEIGHTS -> {
                    TpPassState held = pipe.tpAwaitingWeights.get(key);
                    for (var it = held.deferred.iterator(); it.hasNext(); ) {
                        TpPassState.Deferred d = it.next();
                        if (u >= 0 && d.unit() != u) continue;
                        long bytes = d.grads().bytes();   // before apply, which drops what B kept
                        d.grads().apply(tp.shards().views(d.unit(), held.grads[d.unit()]));
                        rank.meter(MemCategory.ACTIVATIONS, -bytes);
                        held.deferredMetered -= bytes;
                        it.remove();
                    }
                    if (u < 0) {
                        pipe.tpAwaitingWeights.remove(key);
                        addGrads(rank, layout, held, -1);
                    }
                }
                case WEIGHTS_END -> pipe.tpAwaitingWeights.remove(key);
            }
            return true;
        }

        private TpPassState begin(RankState rank, StrategyProgram prog, TensorParallel tp, StageLayout layout) {
            TpPassState live = new TpPassState();
            live.start(rank, prog, tp, ref.microBatch(), prog.model.units());
            for (int v : layout.chunkUnits(ref.chunk())) {
                live.params[v] = tp.zeroShard(v);
                live.grads[v] = tp.zeroShard(v);
            }
            if (headReadsCopy(layout)) {
                // The last stage's head reads its wte copy through a unit-0-shaped shard (wpe rows zero, unused).
                live.params[0] = tp.zeroShard(0);
                live.grads[0] = tp.zeroShard(0);
            }
            if (!prog.gathersParams()) load(rank, prog, tp, layout, live, -1);   // ZeRO-3 loads each unit as it is gathered (LOAD)
            return live;
        }

        /** {@return whether this chunk's head reads the last stage's wte copy (the chunk does not hold unit 0)} */
        private boolean headReadsCopy(StageLayout layout) {
            return layout.virtualStage(ref.chunk()) == layout.pp() * layout.chunks() - 1 && layout.virtualStage(ref.chunk()) != 0;
        }

        /**
         * Copies the chunk's parameters held in local unit {@code local} (−1: all) from the rank's buffers into the pass's
         * arrays in place, so the phase objects' views see them: all at the forward's start, or under ZeRO-3 each unit's
         * as it is gathered for a forward or a backward ({@link TpPassOps}).
         */
        private void load(RankState rank, StrategyProgram prog, TensorParallel tp, StageLayout layout, TpPassState live, int local) {
            for (int v : layout.chunkUnits(ref.chunk())) {
                int[] at = layout.locate(v);
                if (local >= 0 && at[0] != local) continue;
                live.params[v].assign(rank.buf(prog.paramBuffer(at[0])).toNd(at[1], Math.toIntExact(tp.shards().shardSize(v)), live.dtype));
            }
            if (headReadsCopy(layout) && (local < 0 || layout.headWeights()[0] == local)) {
                int[] at = layout.headWeights();
                live.params[0].get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, layout.wteElements()))
                        .assign(rank.buf(prog.paramBuffer(at[0])).toNd(at[1], layout.wteElements(), live.dtype));
            }
        }

        /** Adds a pass's gradients of local unit {@code local} (−1: all) into the gradient buffers (the head's wte gradient into the wte copy on a last stage). */
        private void addGrads(RankState rank, StageLayout layout, TpPassState live, int local) {
            for (int v = 0; v < live.grads.length; v++) {
                if (live.grads[v] == null) continue;
                boolean copy = v == 0 && !layout.first();
                int[] at = copy ? layout.headWeights() : layout.locate(v);
                if (local >= 0 && at[0] != local) continue;
                double[] values = live.grads[v].toDoubleVector();
                int count = copy ? layout.wteElements() : values.length;
                Buf g = rank.buf(((StrategyProgram) rank.program()).gradBuffer(at[0]));
                for (int i = 0; i < count; i++) g.add(at[1] + i, values[i]);
            }
        }

        @Override
        public String toString() { return "TP " + action + (unit >= 0 ? " u" + unit : "") + " " + ref.pass() + ref.microBatch() + "." + ref.chunk(); }
    }
}

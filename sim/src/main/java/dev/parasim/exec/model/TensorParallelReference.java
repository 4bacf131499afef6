package dev.parasim.exec.model;

import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.model.TpCollective.ReduceOp;
import dev.parasim.exec.model.TpCollective.Scope;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.function.IntFunction;

/**
 * Runs one micro-batch of a {@link TensorParallel} model forward and backward for all t ranks in one
 * JVM, doing each collective as a plain sum, max or concatenation in rank order, and recording each in
 * a {@link TpTraffic}. The reference the Spark executor's TP run must match.
 */
final class TensorParallelReference {
    private final TensorParallel tp;
    private final int t;

    public TensorParallelReference(TensorParallel tp) {
        this.tp = tp;
        this.t = tp.degree();
    }

    /** The mean loss, each rank's gradient shards [rank][unit] (SP-partial gradients already summed) and the collectives run. */
    public record Result(double loss, INDArray[][] gradShards, TpTraffic traffic) {}

    /**
     * {@return the loss, gradients and traffic of one micro-batch} given each rank's parameter shards
     * [rank][unit]: {@link #accumulate} into zero gradients, then {@link #reducePartialGrads}.
     */
    public Result forwardBackward(INDArray[][] paramShards, Batch batch) {
        TpTraffic traffic = new TpTraffic(t);
        INDArray[][] grads = new INDArray[t][tp.gpt().layout().units()];
        for (int r = 0; r < t; r++) for (int u = 0; u < grads[r].length; u++) grads[r][u] = tp.zeroShard(u);
        double loss = accumulate(paramShards, batch, grads, traffic);
        reducePartialGrads(grads, traffic);
        return new Result(loss, grads, traffic);
    }

    /**
     * Runs one micro-batch on all ranks, adding each rank's gradients into {@code grads} [rank][unit]
     * and recording the collectives in {@code traffic}; the SP partial gradients stay partial.
     * {@return the mean loss}
     */
    public double accumulate(INDArray[][] paramShards, Batch batch, INDArray[][] grads, TpTraffic traffic) {
        int units = tp.gpt().layout().units(), layers = units - 2, fn = units - 1;
        boolean regather = tp.mode().gathers();
        if (paramShards.length != t || grads.length != t)
            throw new IllegalArgumentException("paramShards and grads: must hold " + t + " ranks, found "
                    + paramShards.length + " and " + grads.length);
        TpEmbedding[] emb = new TpEmbedding[t];
        for (int r = 0; r < t; r++) emb[r] = tp.embedding(r, paramShards[r][0], grads[r][0], batch);
        INDArray[] x = reduce(traffic, Scope.EMBEDDING, "embedding.lookup", map(r -> emb[r].lookupPartial()));
        INDArray[] lookup = x;
        x = map(r -> emb[r].addPositions(lookup[r]));

        TpBlock[][] blocks = new TpBlock[layers + 1][t];
        for (int u = 1; u <= layers; u++) {
            int unit = u;
            TpBlock[] blk = blocks[u];
            for (int r = 0; r < t; r++) blk[r] = tp.block(unit, r, paramShards[r][unit], grads[r][unit], batch);
            INDArray[] in = x;
            INDArray[] y = gather(traffic, Scope.LAYER, "ln1.out", map(r -> blk[r].norm1(in[r])));
            INDArray[] p = reduce(traffic, Scope.LAYER, "proj.out", map(r -> blk[r].attention(y[r])));
            INDArray[] y2 = gather(traffic, Scope.LAYER, "ln2.out", map(r -> blk[r].norm2(p[r])));
            INDArray[] p2 = reduce(traffic, Scope.LAYER, "fc2.out", map(r -> blk[r].mlp(y2[r])));
            x = map(r -> blk[r].residual(p2[r]));
        }

        INDArray[] last = x;
        Activation[] norm = new Activation[t];
        for (int r = 0; r < t; r++) norm[r] = tp.finalNormForward(paramShards[r][fn], last[r]);
        INDArray[] y = gather(traffic, Scope.HEAD, "lnf.out", map(r -> norm[r].value()));
        TpHead[] head = new TpHead[t];
        for (int r = 0; r < t; r++) head[r] = tp.head(r, paramShards[r][0], grads[r][0], batch);
        INDArray[] max = allReduce(traffic, Scope.LOSS, "loss.max", ReduceOp.MAX, map(r -> head[r].localMax(y[r])));
        TpHead.SoftmaxPartials[] parts = new TpHead.SoftmaxPartials[t];
        for (int r = 0; r < t; r++) parts[r] = head[r].partials(max[r]);
        INDArray[] sumExp = allReduce(traffic, Scope.LOSS, "loss.sumExp", ReduceOp.SUM, map(r -> parts[r].sumExp()));
        INDArray[] target = allReduce(traffic, Scope.LOSS, "loss.targetLogit", ReduceOp.SUM, map(r -> parts[r].targetLogit()));
        double loss = head[0].loss(sumExp[0], target[0]);
        for (int r = 1; r < t; r++) head[r].loss(sumExp[r], target[r]);

        INDArray[] dy = reduce(traffic, Scope.HEAD, "head.dInput", map(r -> head[r].backward()));
        INDArray[] dx = map(r -> tp.finalNormBackward(paramShards[r][fn], norm[r], dy[r], grads[r][fn]));
        for (int u = layers; u >= 1; u--) {
            TpBlock[] blk = blocks[u];
            INDArray[] dOut = gather(traffic, Scope.LAYER, "block.dOut", dx);
            INDArray[] ln2 = regather ? gather(traffic, Scope.LAYER, "ln2.out.again", map(r -> blk[r].ln2OutputLocal())) : null;
            INDArray[] d2 = reduce(traffic, Scope.LAYER, "fc1.dInput",
                    map(r -> regather ? blk[r].mlpBackward(dOut[r], ln2[r]) : blk[r].mlpBackward(dOut[r])));
            INDArray[] dx2 = gather(traffic, Scope.LAYER, "block.dx2", map(r -> blk[r].norm2Backward(d2[r])));
            INDArray[] ln1 = regather ? gather(traffic, Scope.LAYER, "ln1.out.again", map(r -> blk[r].ln1OutputLocal())) : null;
            INDArray[] d1 = reduce(traffic, Scope.LAYER, "qkv.dInput",
                    map(r -> regather ? blk[r].attentionBackward(dx2[r], ln1[r]) : blk[r].attentionBackward(dx2[r])));
            dx = map(r -> blk[r].norm1Backward(d1[r]));
        }
        INDArray[] dEmb = gather(traffic, Scope.EMBEDDING, "embedding.dOut", dx);
        for (int r = 0; r < t; r++) emb[r].backward(dEmb[r]);

        return loss;
    }

    /**
     * Once per step, after the last micro-batch: under SEQUENCE, SUM-AllReduce over the ranks of every
     * gradient {@link TpShards#sequenceParallelPartialGrads} lists (Korthikanti et al. 2022 §4.2.2);
     * nothing under TENSOR.
     */
    public void reducePartialGrads(INDArray[][] grads, TpTraffic traffic) {
        if (!tp.mode().gathers()) return;
        TpShards shards = tp.shards();
        for (int u = 0; u < grads[0].length; u++) {
            for (String name : shards.sequenceParallelPartialGrads(u)) {
                int unit = u;
                INDArray[] parts = map(r -> shards.views(unit, grads[r][unit]).get(name));
                INDArray[] sums = allReduce(traffic, Scope.PARAM_GRADS, name, ReduceOp.SUM, parts);
                for (int r = 0; r < t; r++) parts[r].assign(sums[r]);
            }
        }
    }

    private INDArray[] map(IntFunction<INDArray> f) {
        INDArray[] out = new INDArray[t];
        for (int r = 0; r < t; r++) out[r] = f.apply(r);
        return out;
    }

    /** The row-parallel output (forward) or column-parallel input-gradient (backward) collective of the mode. */
    private INDArray[] reduce(TpTraffic traffic, Scope scope, String point, INDArray[] parts) {
        return tp.mode().reduceKind() == CollectiveKind.ALL_REDUCE
                ? allReduce(traffic, scope, point, ReduceOp.SUM, parts)
                : reduceScatter(traffic, scope, point, parts);
    }

    private INDArray[] allReduce(TpTraffic traffic, Scope scope, String point, ReduceOp op, INDArray[] parts) {
        traffic.add(new TpCollective(scope, point, CollectiveKind.ALL_REDUCE, op, parts[0].length()));
        INDArray acc = parts[0].dup();
        for (int r = 1; r < t; r++) acc = op == ReduceOp.MAX ? Transforms.max(acc, parts[r], false) : acc.addi(parts[r]);
        INDArray total = acc;
        return map(r -> total.dup());
    }

    private INDArray[] reduceScatter(TpTraffic traffic, Scope scope, String point, INDArray[] parts) {
        traffic.add(new TpCollective(scope, point, CollectiveKind.REDUCE_SCATTER, ReduceOp.SUM, parts[0].length()));
        INDArray acc = parts[0].dup();
        for (int r = 1; r < t; r++) acc.addi(parts[r]);
        long chunk = acc.rows() / t;
        return map(r -> acc.get(NDArrayIndex.interval(r * chunk, (r + 1) * chunk), NDArrayIndex.all()).dup());
    }

    /** AllGather in rank order under SEQUENCE; the identity (no collective) under TENSOR. */
    private INDArray[] gather(TpTraffic traffic, Scope scope, String point, INDArray[] locals) {
        if (!tp.mode().gathers()) return locals;
        INDArray all = Nd4j.vstack(locals);
        traffic.add(new TpCollective(scope, point, CollectiveKind.ALL_GATHER, ReduceOp.NONE, all.length()));
        return map(r -> all.dup());
    }
}

package dev.parasim.exec.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Entry point for Megatron-style tensor parallelism of a {@link Gpt} over t ranks, optionally with
 * sequence parallelism: builds one rank's phase objects for one micro-batch. Every collective is left
 * to the caller, between phases; {@link TensorParallelReference} runs them in one JVM. One micro-batch
 * on rank r, with G = gather ({@link TpMode#gathers()}) and R = {@link TpMode#reduceKind()}:
 * <pre>
 * e = embedding(r, …):   R(e.lookupPartial()) → x = e.addPositions(…)
 * per block u = 1..L:    see {@link TpBlock}, x = block output (local rows)
 * final norm:            f = finalNormForward(…, x)
 * h = head(r, …):        see {@link TpHead}, on G(f.value())
 * backward:              dy = R(h.backward()) → finalNormBackward → blocks L..1 → e.backward(G(dx))
 * after the step's last micro-batch, under SEQUENCE: SUM-AllReduce of {@link TpShards#sequenceParallelPartialGrads}
 * </pre>
 * Buffers are [rows, h] c-order, so a flat AllGather of the local buffers in rank order and a flat
 * ReduceScatter into t equal contiguous chunks are exactly G and R. Under SEQUENCE the column-parallel
 * layers keep their local input and the caller gathers it again in backward (see {@link TpBlock}).
 * Instances are immutable and serialisable; phase objects are per rank and per micro-batch.
 */
public final class TensorParallel implements java.io.Serializable {
    private final Gpt gpt;
    private final TpShards shards;
    private final TpMode mode;

    /** Tensor parallelism of degree t in {@code mode}. */
    public TensorParallel(GptConfig config, DataType dtype, int t, TpMode mode) {
        // The TP phases draw no dropout masks (exec.ExecLimits refuses TP with dropout before any run).
        if (t > 1 && config.dropout() > 0)
            throw new IllegalArgumentException("config.dropout: tensor-parallel passes run without dropout, found " + config.dropout());
        this.gpt = new Gpt(config, dtype);
        this.shards = new TpShards(config, t);
        this.mode = mode;
    }

    public Gpt gpt() { return gpt; }

    public TpShards shards() { return shards; }

    public TpMode mode() { return mode; }

    /** {@return the TP degree t} */
    public int degree() { return shards.degree(); }

    /** {@return rows a rank holds outside the TP regions for b sequences of s tokens: b·s, or b·s/t under SEQUENCE} */
    public long localRows(int b, int s) { return new TpRegion(mode, degree(), 0, b, s).localRows(); }

    /** {@return rank r's shard of unit u's initial parameters}, the same values as {@link Gpt#initUnit} */
    public INDArray initShard(int u, long seed, int r) { return shards.shard(u, gpt.initUnit(u, seed), r); }

    /** {@return a zero shard of unit u, e.g. a gradient accumulator} */
    public INDArray zeroShard(int u) { return Nd4j.zeros(gpt.dtype(), shards.shardSize(u)); }

    /** {@return rank r's vocabulary-parallel embedding (unit 0) for {@code batch}} */
    public TpEmbedding embedding(int r, INDArray unit0Shard, INDArray unit0GradShard, Batch batch) {
        checkBatch(batch);
        return new TpEmbedding(region(r, batch), views(0, unit0Shard, "unit0Shard"), views(0, unit0GradShard, "unit0GradShard"),
                batch, gpt.config().vocab());
    }

    /** {@return rank r's share of block unit u (1..L) for {@code batch}} */
    public TpBlock block(int u, int r, INDArray unitShard, INDArray unitGradShard, Batch batch) {
        if (u < 1 || u > gpt.config().layers())
            throw new IllegalArgumentException("unit: must be a block in [1, " + gpt.config().layers() + "], found " + u);
        return new TpBlock(region(r, batch), views(u, unitShard, "unitShard"), views(u, unitGradShard, "unitGradShard"),
                gpt.config().heads() / degree());
    }

    /** {@return rank r's share of the tied LM head and parallel cross-entropy for {@code batch}; it reads and adds into unit 0} */
    public TpHead head(int r, INDArray unit0Shard, INDArray unit0GradShard, Batch batch) {
        checkBatch(batch);
        return new TpHead(region(r, batch), views(0, unit0Shard, "unit0Shard"), views(0, unit0GradShard, "unit0GradShard"),
                batch, gpt.config().vocab());
    }

    /** Final LayerNorm (unit L+1, replicated) on the local rows; {@return its activation} (value [local rows, h]). */
    public Activation finalNormForward(INDArray finalNormShard, INDArray xLocal) {
        return gpt.forwardUnit(gpt.finalNormUnit(), finalNormShard, Activation.of(xLocal), null);
    }

    /** Final LayerNorm backward on the local rows (gains partial under SEQUENCE); {@return the gradient w.r.t. its input [local rows, h]} */
    public INDArray finalNormBackward(INDArray finalNormShard, Activation cached, INDArray dyLocal, INDArray finalNormGradShard) {
        return gpt.backwardUnit(gpt.finalNormUnit(), finalNormShard, cached, Activation.of(dyLocal), finalNormGradShard).value();
    }

    private TpRegion region(int r, Batch batch) {
        return new TpRegion(mode, degree(), r, batch.sequences(), batch.seqLen());
    }

    private void checkBatch(Batch batch) {
        if (batch.seqLen() > gpt.config().seqLen())
            throw new IllegalArgumentException("batch.seqLen: must be at most " + gpt.config().seqLen() + ", found " + batch.seqLen());
        for (int[] ids : new int[][] {batch.flatTokens(), batch.flatTargets()})
            for (int id : ids)
                if (id < 0 || id >= gpt.config().vocab())
                    throw new IllegalArgumentException("batch: token ids must be in [0, " + gpt.config().vocab() + "), found " + id);
    }

    private java.util.Map<String, INDArray> views(int u, INDArray shard, String what) {
        if (shard.dataType() != gpt.dtype())
            throw new IllegalArgumentException(what + ": must be " + gpt.dtype() + ", found " + shard.dataType());
        return shards.views(u, shard);
    }
}

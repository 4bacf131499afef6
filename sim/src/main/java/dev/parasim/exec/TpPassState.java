package dev.parasim.exec;

import dev.parasim.exec.model.Activation;
import dev.parasim.exec.model.Batch;
import dev.parasim.exec.model.TpBlock;
import dev.parasim.exec.model.TpEmbedding;
import dev.parasim.exec.model.TensorParallel;
import dev.parasim.exec.model.TpHead;
import dev.parasim.exec.model.WeightGrads;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * One micro-batch (chunk) of a tensor-parallel pass, kept on the rank between the supersteps of its
 * phases: the TP phase objects, the parameter and gradient arrays (by model unit; −1: the last stage's
 * wte copy), the activation bytes metered so far (blocks, edges, head), and the tensor handed from one phase to
 * the next.
 * Kept by {@link TpStagePass} (pp = 1 included: a one-stage pipeline).
 */
class TpPassState {
    Batch batch;
    DataType dtype;
    INDArray[] params;
    INDArray[] grads;
    TpEmbedding emb;
    TpBlock[] blocks;
    /** Bytes metered as activations per block, from the end of its forward to the end of its backward. */
    long[] metered;
    /** Bytes of the head's softmax (and SP's gathered input) metered from its softmax partials to its backward. */
    long headMetered;
    /**
     * Bytes of the chunk's edge tensors metered from the end of its forward: its output (the last block's, the final
     * norm's input on the last chunk) and, on the last chunk, the final norm's output and statistics.
     */
    long edgeMetered;
    Activation norm;
    TpHead head;
    INDArray x;
    /** Under TENSOR, the tensor a G (the identity) hands to the next phase. */
    INDArray pending;
    /** ZB-H1: what each unit's B kept for its W, in the order B ran, and the bytes metered for it from the end of B to W. */
    final List<Deferred> deferred = new ArrayList<>();
    long deferredMetered;

    /** Unit {@code unit}'s deferred parameter gradients (unit 0: the head's wte). */
    record Deferred(int unit, WeightGrads grads) {}

    /** Meters the chunk's edge tensors at the end of its forward: {@code x}, its output, and the final norm's activation if any. */
    void meterEdges(RankState rank) {
        edgeMetered = x.length() * x.dataType().width() + (norm == null ? 0 : norm.bytes());
        rank.meter(MemCategory.ACTIVATIONS, edgeMetered);
    }

    /** Releases the edge tensors when the backward replaces them (the output gradient arrives, or the final norm's backward ran). */
    void releaseEdges(RankState rank) {
        rank.meter(MemCategory.ACTIVATIONS, -edgeMetered);
        edgeMetered = 0;
        norm = null;
    }

    /** Starts micro-batch {@code micro} of this rank's step: its tokens, the dtype, empty arrays for {@code units} units. */
    void start(RankState rank, StrategyProgram prog, TensorParallel tp, int micro, int units) {
        Strategy s = prog.strategy;
        batch = ((GptExecModel) prog.model).batch(rank.step(), rank.dpIndex() * s.microBatches() + micro, s.microBatch());
        dtype = tp.gpt().dtype();
        params = new INDArray[units];
        grads = new INDArray[units];
        blocks = new TpBlock[units];
        metered = new long[units];
    }
}

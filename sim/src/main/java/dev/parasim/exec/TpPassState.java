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
 * wte copy), the activation bytes metered so far, and the tensor handed from one phase to the next.
 * Shared by {@link TpStep} (pp = 1) and {@link TpStagePass} (TP inside pipeline stages).
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
    /** Bytes of the head's logits and softmax metered from its softmax partials to its backward. */
    long headMetered;
    Activation norm;
    TpHead head;
    INDArray x;
    /** Under TENSOR, the tensor a G (the identity) hands to the next phase. */
    INDArray pending;
    /** ZB-H1: what each unit's B kept for its W, in the order B ran, and the bytes metered for it from the end of B to W. */
    final List<Deferred> deferred = new ArrayList<>();
    long deferredMetered;

    /** Unit {@code unit}'s deferred parameter gradients (unit 0: the embedding's or the head's wte). */
    record Deferred(int unit, WeightGrads grads) {}

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

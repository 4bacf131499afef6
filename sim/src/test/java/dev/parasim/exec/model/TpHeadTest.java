package dev.parasim.exec.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TpHeadTest {
    private static final GptConfig CONFIG = TensorParallelReferenceTest.CONFIG;

    @Test
    void maxOverGatheredRankMaximaIsTheMaxAllReduce() {
        INDArray gathered = Nd4j.createFromArray(1.0, -2.0, 5.0, 3.0, -1.0, 4.0, 2.0, 0.5, 4.5);
        assertEquals(Nd4j.createFromArray(3.0, 0.5, 5.0), TpHead.maxOverRanks(gathered, 3));
        assertThrows(IllegalArgumentException.class, () -> TpHead.maxOverRanks(gathered, 2));
    }

    @Test
    void singleRankHeadIsTheUnshardedLoss() {
        TensorParallel tp = new TensorParallel(CONFIG, DataType.DOUBLE, 1, TpMode.TENSOR);
        INDArray emb = TensorParallelReferenceTest.perturbedParams(tp.gpt())[0];
        Batch batch = SyntheticData.of(CONFIG, 3).batch(0, 0, 2);
        Nd4j.getRandom().setSeed(5);
        INDArray y = Nd4j.randn(DataType.DOUBLE, batch.tokenCount(), CONFIG.hidden());
        double expected = tp.gpt().headForward(emb, Activation.of(y), batch).scalar();
        TpHead head = tp.head(0, tp.shards().shard(0, emb, 0), tp.zeroShard(0), batch);
        INDArray max = head.localMax(y);
        TpHead.SoftmaxPartials parts = head.partials(max);
        assertEquals(expected, head.loss(parts.sumExp(), parts.targetLogit()), 1e-12 * expected);
        assertEquals("phase order: head step PARTIALS called, expected BACKWARD",
                assertThrows(IllegalStateException.class, () -> head.partials(max)).getMessage());
    }
}

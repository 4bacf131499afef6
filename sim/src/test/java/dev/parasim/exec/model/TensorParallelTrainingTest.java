package dev.parasim.exec.model;

import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.model.TpCollective.Scope;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three Adam steps of two micro-batches each, TP (t = 2) against the single device: the SP gradient
 * AllReduce runs once per step, after accumulation, and Adam on each rank's shards (replicated tensors
 * updated identically on every rank) lands on the same parameters.
 */
class TensorParallelTrainingTest {
    private static final GptConfig CONFIG = TensorParallelReferenceTest.CONFIG;
    private static final int T = 2;
    private static final double LR = 1e-2;

    @ParameterizedTest
    @EnumSource(TpMode.class)
    void adamStepsOnShardsMatchTheSingleDevice(TpMode mode) {
        TensorParallel tp = new TensorParallel(CONFIG, DataType.DOUBLE, T, mode);
        Gpt gpt = tp.gpt();
        TensorParallelReference reference = new TensorParallelReference(tp);
        SyntheticData data = SyntheticData.of(CONFIG, 4);
        int units = CONFIG.units();
        INDArray[] params = TensorParallelReferenceTest.perturbedParams(gpt);
        INDArray[] initial = TensorParallelReferenceTest.perturbedParams(gpt);
        INDArray[] m = gpt.zeros(), v = gpt.zeros();
        INDArray[][] shards = new INDArray[T][units], ms = new INDArray[T][units], vs = new INDArray[T][units];
        for (int r = 0; r < T; r++)
            for (int u = 0; u < units; u++) {
                shards[r][u] = tp.shards().shard(u, params[u], r);
                ms[r][u] = tp.zeroShard(u);
                vs[r][u] = tp.zeroShard(u);
            }
        for (int step = 1; step <= 3; step++) {
            INDArray[] grads = gpt.zeros();
            INDArray[][] gradShards = new INDArray[T][units];
            for (int r = 0; r < T; r++) for (int u = 0; u < units; u++) gradShards[r][u] = tp.zeroShard(u);
            TpTraffic traffic = new TpTraffic(T);
            for (int micro = 0; micro < 2; micro++) {
                Batch batch = data.batch(step, micro, 2);
                double expected = gpt.forwardBackward(params, batch, grads);
                assertEquals(expected, reference.accumulate(shards, batch, gradShards, traffic), 1e-12 * expected);
            }
            reference.reducePartialGrads(gradShards, traffic);
            long gradientReductions = traffic.count(Scope.PARAM_GRADS, CollectiveKind.ALL_REDUCE);
            assertEquals(mode == TpMode.SEQUENCE ? 2 * CONFIG.layers() * 2 + 2 + 1 : 0, gradientReductions,
                    "ln1, ln2 gain and bias per layer, lnf gain and bias, wpe: once per step");
            for (int u = 0; u < units; u++) {
                Adam.step(params[u], grads[u], m[u], v[u], step, LR);
                for (int r = 0; r < T; r++) Adam.step(shards[r][u], gradShards[r][u], ms[r][u], vs[r][u], step, LR);
            }
        }
        for (int u = 0; u < units; u++) {
            INDArray[] perRank = new INDArray[T];
            for (int r = 0; r < T; r++) perRank[r] = shards[r][u];
            INDArray moved = tp.shards().reassemble(u, perRank);
            double error = moved.sub(params[u]).amaxNumber().doubleValue() / params[u].amaxNumber().doubleValue();
            assertTrue(error < 1e-10, "unit " + u + " relative error " + error);
            assertTrue(params[u].sub(initial[u]).amaxNumber().doubleValue() > 1e-2, "unit " + u + " was trained");
            for (String name : tp.shards().names(u))
                if (TpShards.split(name) == TpShards.Split.REPLICATED)
                    assertEquals(tp.shards().views(u, perRank[0]).get(name), tp.shards().views(u, perRank[1]).get(name),
                            "replicated " + name + " stays identical on both ranks");
        }
    }
}

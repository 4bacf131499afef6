package dev.parasim.exec.model;

import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.model.TpCollective.ReduceOp;
import dev.parasim.exec.model.TpCollective.Scope;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The TP and TP+SP reference run against the unsharded {@link Gpt}: loss, every gradient, and the collective volumes. */
class TensorParallelReferenceTest {
    /** h = 16, a = 4, f = 32, V = 24, s = 8: every t in {2, 4} divides heads, vocab, ffnHidden and seqLen. */
    static final GptConfig CONFIG = new GptConfig(2, 16, 4, 32, 24, 8);
    private static final int B = 3;

    static Stream<Arguments> plans() {
        return Stream.of(Arguments.of(2, TpMode.TENSOR), Arguments.of(4, TpMode.TENSOR),
                Arguments.of(2, TpMode.SEQUENCE), Arguments.of(4, TpMode.SEQUENCE));
    }

    /** {@return GPT-2 init of seed 7 perturbed by 0.3·N(0, 1), so LayerNorm gains and biases matter} */
    static INDArray[] perturbedParams(Gpt gpt) {
        INDArray[] p = new Gpt(gpt.config(), DataType.DOUBLE).init(7);
        Nd4j.getRandom().setSeed(11);
        for (INDArray u : p) u.addi(Nd4j.randn(DataType.DOUBLE, u.length()).muli(0.3));
        for (int u = 0; u < p.length; u++) p[u] = p[u].castTo(gpt.dtype());
        return p;
    }

    @ParameterizedTest(name = "t={0} {1} fp64")
    @MethodSource("plans")
    void fp64MatchesTheUnshardedModel(int t, TpMode mode) {
        compare(new TensorParallel(CONFIG, DataType.DOUBLE, t, mode), 1e-12, 1e-10);
    }

    @ParameterizedTest(name = "t={0} {1} {2} fp32")
    @MethodSource("plans")
    void fp32MatchesTheUnshardedModel(int t, TpMode mode) {
        compare(new TensorParallel(CONFIG, DataType.FLOAT, t, mode), 1e-5, 1e-5);
    }

    private static void compare(TensorParallel tp, double lossTolerance, double gradTolerance) {
        int t = tp.degree();
        Gpt gpt = tp.gpt();
        INDArray[] params = perturbedParams(gpt);
        Batch batch = SyntheticData.of(CONFIG, 5).batch(0, 0, B);
        INDArray[] reference = gpt.zeros();
        double expectedLoss = gpt.forwardBackward(params, batch, reference);

        INDArray[][] shards = new INDArray[t][params.length];
        for (int r = 0; r < t; r++) for (int u = 0; u < params.length; u++) shards[r][u] = tp.shards().shard(u, params[u], r);
        TensorParallelReference.Result result = new TensorParallelReference(tp).forwardBackward(shards, batch);

        assertEquals(expectedLoss, result.loss(), lossTolerance * expectedLoss, "loss");
        assertTrue(expectedLoss > 2.0, "a real loss, found " + expectedLoss);
        for (int u = 0; u < params.length; u++) {
            INDArray[] perRank = new INDArray[t];
            for (int r = 0; r < t; r++) perRank[r] = result.gradShards()[r][u];
            INDArray got = tp.shards().reassemble(u, perRank);
            double scale = reference[u].amaxNumber().doubleValue();
            assertTrue(scale > 1e-3, "unit " + u + " has a real gradient, max " + scale);
            double error = got.sub(reference[u]).amaxNumber().doubleValue() / scale;
            assertTrue(error <= gradTolerance, "unit " + u + " relative error " + error);
            for (String name : tp.shards().names(u))
                if (TpShards.split(name) == TpShards.Split.REPLICATED)
                    for (int r = 1; r < t; r++)
                        assertEquals(tp.shards().views(u, perRank[0]).get(name), tp.shards().views(u, perRank[r]).get(name),
                                "replicated " + name + " gradient identical on rank " + r);
        }
    }

    @ParameterizedTest(name = "t={0} {1}")
    @MethodSource("plans")
    void collectivesMoveTheMegatronVolumes(int t, TpMode mode) {
        TensorParallel tp = new TensorParallel(CONFIG, DataType.DOUBLE, t, mode);
        INDArray[] params = perturbedParams(tp.gpt());
        Batch batch = SyntheticData.of(CONFIG, 5).batch(0, 0, B);
        INDArray[][] shards = new INDArray[t][params.length];
        for (int r = 0; r < t; r++) for (int u = 0; u < params.length; u++) shards[r][u] = tp.shards().shard(u, params[u], r);
        TpTraffic traffic = new TensorParallelReference(tp).forwardBackward(shards, batch).traffic();

        long b = B, s = CONFIG.seqLen(), h = CONFIG.hidden(), layers = CONFIG.layers(), bsh = b * s * h;
        // Narayanan et al. 2021 §3.2: 8·b·s·h·(t−1)/t elements per layer per micro-batch; SP moves the same and
        // re-gathers the two column-parallel inputs in backward (Korthikanti et al. 2022 §4.2.3): 2·b·s·h·(t−1)/t more.
        long perLayer = mode == TpMode.SEQUENCE ? 10 : 8;
        assertEquals(layers * perLayer * bsh * (t - 1), traffic.ringElementsTimesT(Scope.LAYER));
        assertEquals(layers * (double) perLayer * bsh * (t - 1) / t, traffic.ringElementsPerRank(Scope.LAYER));
        // Embedding (forward reduce, SP backward gather) and head (SP forward gather, backward reduce): 2·b·s·h·(t−1)/t each.
        assertEquals(2 * bsh * (t - 1), traffic.ringElementsTimesT(Scope.EMBEDDING));
        assertEquals(2 * bsh * (t - 1), traffic.ringElementsTimesT(Scope.HEAD));
        // Parallel cross-entropy: three AllReduces (max, Σexp, target logit) of b·s elements.
        assertEquals(3, traffic.count(Scope.LOSS, CollectiveKind.ALL_REDUCE));
        assertEquals(3 * b * s, traffic.elements(Scope.LOSS, CollectiveKind.ALL_REDUCE));
        assertEquals(6 * b * s * (t - 1), traffic.ringElementsTimesT(Scope.LOSS));
        assertEquals(List.of(ReduceOp.MAX, ReduceOp.SUM, ReduceOp.SUM), traffic.collectives().stream()
                .filter(c -> c.scope() == Scope.LOSS).map(TpCollective::op).toList());
        long[] layerSizes = traffic.collectives().stream().filter(c -> c.scope() == Scope.LAYER)
                .mapToLong(TpCollective::elements).distinct().toArray();
        assertArrayEquals(new long[] {bsh}, layerSizes, "every layer collective is on b·s·h elements");
        if (mode == TpMode.TENSOR) {
            assertEquals(4 * layers, traffic.count(Scope.LAYER, CollectiveKind.ALL_REDUCE));
            assertEquals(4 * layers * bsh, traffic.elements(Scope.LAYER, CollectiveKind.ALL_REDUCE));
            assertEquals(0, traffic.count(Scope.LAYER, CollectiveKind.ALL_GATHER));
            assertEquals(0, traffic.ringElementsTimesT(Scope.PARAM_GRADS));
            assertEquals(3 + 4 * layers + 2, traffic.collectives().size());
        } else {
            long gathers = 6 * layers;
            assertEquals(gathers, traffic.count(Scope.LAYER, CollectiveKind.ALL_GATHER));
            assertEquals(4 * layers, traffic.count(Scope.LAYER, CollectiveKind.REDUCE_SCATTER));
            assertEquals(gathers * bsh, traffic.elements(Scope.LAYER, CollectiveKind.ALL_GATHER));
            assertEquals(4 * layers * bsh, traffic.elements(Scope.LAYER, CollectiveKind.REDUCE_SCATTER));
            assertEquals(0, traffic.count(Scope.LAYER, CollectiveKind.ALL_REDUCE));
            // Per step: ln1, ln2 gains and biases per layer, lnf, and wpe — (4L + 2)·h + s·h elements.
            assertEquals((4 * layers + 2) * h + s * h, traffic.elements(Scope.PARAM_GRADS, CollectiveKind.ALL_REDUCE));
            assertEquals(3 + 4 * layers + gathers + 4 + 4 * layers + 3, traffic.collectives().size());
        }
    }
}

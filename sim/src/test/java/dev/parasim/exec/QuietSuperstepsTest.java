package dev.parasim.exec;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A superstep after one that sent nothing across partitions runs without the transport from the second step on
 * ({@link Backend#lastStepRounds}), and nothing a run reports changes: with two ranks per partition (a TP pair, or a
 * pipeline's DP pair, exchanging in memory) the same plan run with every superstep through the transport gives the same
 * losses, parameters, per-rank bytes by kind and tier, memory peaks and event logs, in fewer transport rounds. And a
 * superstep expected to be quiet that is not fails instead of losing a message.
 */
class QuietSuperstepsTest {

    private static Experiment plan(String name) {
        return switch (name) {
            case "tp2-dp2-sp-zero3" -> SpecLoader.parse("""
                    name: quiet
                    model: {name: tiny-gpt, layers: 2, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}
                    cluster: {preset: cpu-8, gpusPerNode: 2, nodes: 2}
                    training: {globalBatch: 8, microBatch: 2, precision: fp32, bucketMB: 0.004}
                    plans:
                      - {name: tp2-dp2-sp-zero3, dp: 2, tp: 2, sequenceParallel: true, zero: 3}
                    execute: {steps: 3, seed: 11, learningRate: 0.001}
                    """, List.of());
            case "dp2-pp2-interleaved-zero2" -> PipelineExperiments.tiny(4, 2, 2, "interleaved", 2, 2, 4);
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The in-process transport made to move every superstep's messages, as the first step does. */
    private static final class EveryRound extends Backend {
        private final InProcessBackend inner;

        EveryRound(Topology topology, RankPrograms programs) {
            super(topology, programs);
            inner = new InProcessBackend(topology, programs);
        }

        @Override
        protected long[] runBatch(int first, int count, boolean startStep, boolean[] quiet) {
            return inner.runBatch(first, count, startStep, new boolean[count]);
        }

        @Override
        protected boolean runsQuietSupersteps() { return false; }

        @Override
        public <T> List<T> collect(RankQuery<T> q) { return inner.collect(q); }
    }

    private static ExecutedResult run(Experiment e, java.util.function.BiFunction<Topology, RankPrograms, Backend> transport) {
        return Execution.run(e, e.plans().get(0), 2, 1, true, (done, total) -> {}, transport);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tp2-dp2-sp-zero3", "dp2-pp2-interleaved-zero2"})
    void quietSuperstepsChangeNothingButTheRounds(String name) {
        Experiment e = plan(name);
        ExecutedResult quiet = run(e, InProcessBackend::new);
        ExecutedResult every = run(e, EveryRound::new);
        assertEquals(every.superstepsPerStep(), every.roundsPerStep(), "every superstep through the transport");
        assertEquals(every.superstepsPerStep(), quiet.superstepsPerStep());
        assertTrue(quiet.roundsPerStep() < quiet.superstepsPerStep() / 2,
                quiet.roundsPerStep() + " of " + quiet.superstepsPerStep() + " supersteps through the transport");
        assertEquals(every.losses(), quiet.losses(), "losses");
        assertEquals(every.maxRelativeParamDiffVsSingleRank(), quiet.maxRelativeParamDiffVsSingleRank(), "parameters");
        assertTrue(quiet.maxRelativeParamDiffVsSingleRank() < 1e-4, "equals the single-rank run");
        assertEquals(every.perRank(), quiet.perRank(), "per-rank bytes by kind and tier");
        assertEquals(every.crossPartitionBytes(), quiet.crossPartitionBytes());
        assertEquals(every.memory(), quiet.memory(), "memory peaks");
        assertEquals(every.ranks(), quiet.ranks(), "per-rank memory, in-flight chunks and event logs");
    }

    /** A partition that sends across partitions in a superstep the last step left quiet stops the run. */
    @org.junit.jupiter.api.Test
    void aQuietSuperstepThatSendsFails() {
        Experiment e = plan("tp2-dp2-sp-zero3");
        IllegalStateException wrong = assertThrows(IllegalStateException.class, () -> run(e, (topology, programs) -> new Backend(topology, programs) {
            private final InProcessBackend inner = new InProcessBackend(topology, programs);

            @Override
            protected long[] runBatch(int first, int count, boolean startStep, boolean[] quiet) {
                return inner.runBatch(first, count, startStep, everyOneQuiet(count, startStep));
            }

            @Override
            public <T> List<T> collect(RankQuery<T> q) { return inner.collect(q); }
        }));
        assertTrue(wrong.getMessage().contains("cross-partition messages in superstep"), wrong.getMessage());
    }

    /** {@return every superstep of a batch marked quiet, except a step's first (which starts with nothing in flight)} */
    private static boolean[] everyOneQuiet(int count, boolean startStep) {
        boolean[] quiet = new boolean[count];
        java.util.Arrays.fill(quiet, true);
        if (startStep) quiet[0] = false;
        return quiet;
    }
}

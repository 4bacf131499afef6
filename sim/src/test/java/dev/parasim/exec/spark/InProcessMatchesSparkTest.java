package dev.parasim.exec.spark;

import dev.parasim.exec.Experiments;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.PipelineExperiments;
import dev.parasim.exec.TestSpark;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The in-process backend runs a whole plan exactly as Spark does: the same losses, parameters (difference to the
 * single-rank run), per-rank bytes by kind and tier, cross-partition bytes, memory, supersteps and event logs, for
 * dp 2 DDP, dp 2 · pp 2 1F1B with ZeRO-1 and tp 2 · dp 2, each with one rank per partition (every message crosses
 * partitions on Spark, i.e. moves through its shuffle). This is what lets the other executed-run tests use the
 * in-process backend; the Spark-only count (shuffle-write bytes) is checked here and in {@link ShuffleBytesTest}.
 */
class InProcessMatchesSparkTest {
    private static final String TP2_DP2 = """
            name: exec-tp-test
            model: {name: tiny-gpt, layers: 2, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}
            cluster: {preset: cpu-8, gpusPerNode: 2, nodes: 2}
            training: {globalBatch: 8, microBatch: 2, precision: fp32, bucketMB: 0.004}
            plans:
              - {name: tp2-dp2, dp: 2, tp: 2}
            execute: {steps: 3, seed: 11, learningRate: 0.001}
            """;

    private static Experiment plan(String name) {
        return switch (name) {
            case "dp2-ddp" -> Experiments.tiny(2, 0, 2, "fp32", false, 0.004);
            case "dp2-pp2-1f1b-zero1" -> PipelineExperiments.tiny(2, 2, 2, "1f1b", 1, 1, 2);
            case "tp2-dp2" -> SpecLoader.parse(TP2_DP2, List.of());
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dp2-ddp", "dp2-pp2-1f1b-zero1", "tp2-dp2"})
    void inProcessRunEqualsTheSparkRun(String name) {
        Experiment e = plan(name);
        ExecutedRun.Options options = new ExecutedRun.Options(1, true);
        ExecutedResult spark = ExecutedRun.run(TestSpark.session().sparkContext(), e, e.plans().get(0), options);
        ExecutedResult local = ExecutedRun.inProcess(e, e.plans().get(0), options);
        System.out.printf("%s: Spark %.2f s, in process %.2f s, %d supersteps/step%n", name, spark.seconds(), local.seconds(),
                spark.superstepsPerStep());
        assertEquals(spark.losses(), local.losses(), "losses");
        assertEquals(spark.maxRelativeParamDiffVsSingleRank(), local.maxRelativeParamDiffVsSingleRank(), "parameters vs single rank");
        assertEquals(spark.perRank(), local.perRank(), "per-rank bytes by kind and tier");
        assertEquals(spark.byCollective(), local.byCollective());
        assertEquals(spark.bytesPerGpu(), local.bytesPerGpu());
        assertEquals(spark.crossPartitionBytes(), local.crossPartitionBytes());
        assertTrue(spark.crossPartitionBytes() > 0 && spark.crossPartitionBytes() == spark.perRank().stream()
                .mapToLong(c -> c.sent()).sum(), "with one rank per partition every byte crosses partitions");
        assertTrue(spark.sparkShuffleBytes() >= spark.crossPartitionBytes(), "Spark shuffled at least the payloads");
        assertEquals(0, local.sparkShuffleBytes(), "nothing moves through Spark in process");
        assertEquals(spark.memory(), local.memory());
        assertEquals(spark.superstepsPerStep(), local.superstepsPerStep());
        assertEquals(spark.partitions(), local.partitions());
        assertEquals(spark.ranks(), local.ranks(), "stages, memory, in-flight micro-batches and event logs");
    }

    /**
     * With a TP pair per partition (two ranks each) most supersteps send nothing across partitions; on Spark even the
     * first step runs the supersteps after them in the task before, from the pattern a rehearsal in process learnt
     * ({@code Execution.rehearsedQuiet}), and the one step's results equal the in-process run's.
     */
    @org.junit.jupiter.api.Test
    void theFirstStepOnSparkSkipsTheShufflesARehearsalFoundEmpty() {
        Experiment e = SpecLoader.parse(TP2_DP2, List.of("execute.steps=1"));
        ExecutedRun.Options options = new ExecutedRun.Options(2, true);
        ExecutedResult spark = ExecutedRun.run(TestSpark.session().sparkContext(), e, e.plans().get(0), options);
        ExecutedResult local = ExecutedRun.inProcess(e, e.plans().get(0), options);
        assertEquals(local.superstepsPerStep(), local.roundsPerStep(), "in process, one step: no pattern yet");
        assertTrue(spark.roundsPerStep() < spark.superstepsPerStep() / 2, spark.roundsPerStep() + " of " + spark.superstepsPerStep());
        assertEquals(local.losses(), spark.losses());
        assertEquals(local.perRank(), spark.perRank());
        assertEquals(local.memory(), spark.memory());
        assertEquals(local.ranks(), spark.ranks());
        assertEquals(local.maxRelativeParamDiffVsSingleRank(), spark.maxRelativeParamDiffVsSingleRank());
    }
}

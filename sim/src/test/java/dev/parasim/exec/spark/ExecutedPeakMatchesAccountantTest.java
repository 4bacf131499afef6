package dev.parasim.exec.spark;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.RankDetail;
import dev.parasim.memory.MemoryBreakdown;
import dev.parasim.memory.MemoryModel;
import dev.parasim.report.ExecutedJson;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every plan of the executed experiments ({@code configs/experiments/tiny-gpt-*executed.yaml}) peaks, on every pipeline
 * stage, at exactly the bytes the accountant predicts for that stage (model states, activations and the transient
 * buffers of {@code memory.Buffers}), and the report's {@code memory.peakBytes} comparison has difference 0; so do small
 * ZeRO-2/3 plans of every schedule, TP with and without SP included (pp = 1 too: a one-stage TP pipeline), and TP plans of
 * degree 4 under DDP and ZeRO-1. Runs in process: the Spark
 * transport meters the same ({@code InProcessMatchesSparkTest}).
 */
class ExecutedPeakMatchesAccountantTest {
    static final Path CONFIGS = Path.of("..", "configs", "experiments");

    static Stream<Arguments> plans() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(CONFIGS)) {
            for (Path f : files.filter(f -> f.getFileName().toString().matches("tiny-gpt.*executed\\.yaml")).sorted().toList()) {
                Experiment e = SpecLoader.parse(read(f), List.of());
                for (int i = 0; i < e.plans().size(); i++) out.add(Arguments.of(f.getFileName().toString(), e.plans().get(i).name(), e, i));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("plans")
    void executedPeakEqualsThePredictedPeakOnEveryStage(String file, String name, Experiment e, int index) {
        ParallelPlan plan = e.plans().get(index);
        ExecutedResult r = ExecutedRun.inProcess(e, plan, new ExecutedRun.Options(0, false));
        for (int stage = 0; stage < plan.pp(); stage++) {
            MemoryBreakdown predicted = MemoryModel.ofStage(e, plan, stage);
            long executed = 0;
            for (RankDetail d : r.ranks()) if (d.stage() == stage) executed = Math.max(executed, d.memory().peakTotal());
            System.out.printf("%s stage %d: peak %,d B executed, %,d predicted (buffers %,d)%n", name, stage, executed,
                    predicted.peakBytes(), predicted.otherBytes());
            assertEquals(predicted.peakBytes(), executed, name + " stage " + stage + " peak bytes");
        }
        if (!file.endsWith(".yaml")) return;
        PlanPrediction prediction = Accountant.predict(e).get(index);
        Map<String, Object> memory = (Map<String, Object>) ExecutedJson.executed(r, prediction.memory().stage()).get("memory");
        assertEquals(prediction.memory().peakBytes(), memory.get("peakBytes"), name + ": the report's memory.peakBytes");
    }

    /**
     * Small plans: ZeRO-2/3 under every schedule, groups of 2 and 3 ranks, 1, 2 and 4 stages, m = p and m > p, TP 2 and 4
     * with and without SP; DDP and ZeRO-1 with TP 4; DDP on 4 stages, with TP 2 and without.
     */
    @ParameterizedTest(name = "L{0} dp{1}·tp{2}·pp{3} {4} v{5} zero {6}, m{7}, SP {8}")
    @CsvSource({"2,2,1,2,1f1b,1,2,2,false", "2,2,1,2,1f1b,1,3,2,false", "2,3,1,2,1f1b,1,2,3,false", "2,3,1,2,1f1b,1,3,3,false",
            "2,2,1,2,gpipe,1,3,3,false", "4,2,1,4,1f1b,1,3,4,false", "4,2,1,2,interleaved,2,2,2,false",
            "4,2,1,2,interleaved,2,3,4,false", "2,2,1,2,zb-h1,1,2,2,false", "2,2,1,2,zb-h1,1,3,3,false",
            "2,2,2,1,1f1b,1,2,2,false", "2,2,2,1,1f1b,1,3,2,false", "2,3,2,1,1f1b,1,2,3,true", "2,3,2,1,1f1b,1,3,3,true",
            "2,2,2,2,1f1b,1,2,2,false", "2,2,2,2,1f1b,1,3,2,false", "2,2,2,2,1f1b,1,3,2,true", "2,2,2,2,zb-h1,1,2,2,true",
            "2,2,2,2,zb-h1,1,3,2,true", "2,2,2,2,zb-h1,1,3,2,false", "2,2,2,2,gpipe,1,3,3,true", "4,2,2,2,interleaved,2,3,2,false",
            "4,2,2,2,interleaved,2,2,4,true",
            // Middle stages under DDP: the sync's buckets beside the last backward's sent gradient (its slice under TP).
            "4,1,2,4,1f1b,1,0,4,false", "4,1,1,4,1f1b,1,0,4,false", "4,2,1,4,1f1b,1,0,4,false"})
    void shardedPlansPeakAsPredicted(int layers, int dp, int tp, int pp, String schedule, int chunks, int zero, int m, boolean sp) {
        Experiment e = ShardedThreeDimensionalRunsTest.tiny(layers, dp, tp, pp, schedule, chunks, zero, m, sp, 1);
        executedPeakEqualsThePredictedPeakOnEveryStage("sharded", e.plans().get(0).name(), e, 0);
    }

    /** TP over 4 ranks (a model of 4 heads): ZeRO-2/3 with and without SP, DDP and ZeRO-1, with and without a pipeline. */
    @ParameterizedTest(name = "L{0} dp{1}·tp4·pp{2} {3} zero {4}, m{5}, SP {6}")
    @CsvSource({"2,2,1,1f1b,3,2,true", "2,2,1,1f1b,2,2,false", "2,1,2,1f1b,0,2,false", "2,2,1,1f1b,1,2,false",
            "2,1,2,1f1b,1,3,true", "2,1,2,zb-h1,3,2,false", "2,1,2,1f1b,2,3,true"})
    void fourWayTensorParallelPlansPeakAsPredicted(int layers, int dp, int pp, String schedule, int zero, int m, boolean sp) {
        Experiment e = SpecLoader.parse("""
                name: exec-tp4-peak-test
                model: {name: tiny-gpt, layers: %d, hidden: 16, heads: 4, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 4, nodes: %d}
                training: {globalBatch: %d, microBatch: 2, precision: fp32}
                plans:
                  - {name: d%d-t4-p%d-%s-z%d, dp: %d, tp: 4, pp: %d, schedule: %s, zero: %d, sequenceParallel: %s}
                execute: {steps: 1, seed: 11, learningRate: 0.001}
                """.formatted(layers, dp * pp, dp * m * 2, dp, pp, schedule, zero, dp, pp, schedule, zero, sp), List.of());
        executedPeakEqualsThePredictedPeakOnEveryStage("tp4", e.plans().get(0).name(), e, 0);
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}

package dev.parasim.exec.spark;

import dev.parasim.analytic.CommModel;
import dev.parasim.analytic.CommVolume;
import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.RankComm;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Executed Megatron tensor parallelism (exec.model.TensorParallel phases, the f/g collectives as ring
 * AllReduces on the TP group) trains like one rank: after 3 steps parameters within 1e-5
 * (fp32) and equal losses; per rank the TP bytes equal m·(4L + 2)·2(t−1)·⌈b·s·h/t⌉·4 B (8·b·s·h·(t−1)/t
 * elements per layer per micro-batch, plus the embedding's forward and the head's backward AllReduce)
 * + 3·m·2(t−1)·⌈b·s/t⌉·4 B for the parallel cross-entropy, and every kind equals {@code CommModel.stage}.
 */
class TensorParallelRunsTest {

    private static Experiment tiny(int layers, int heads, int dp, int tp, int zero, int m) {
        return SpecLoader.parse("""
                name: exec-tp-test
                model: {name: tiny-gpt, layers: %d, hidden: 16, heads: %d, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 2, nodes: %d}
                training: {globalBatch: %d, microBatch: 2, precision: fp32, bucketMB: 0.004}
                plans:
                  - {name: tp%d-dp%d-z%d, dp: %d, tp: %d, zero: %d}
                execute: {steps: 3, seed: 11, learningRate: 0.001}
                """.formatted(layers, heads, Math.max(1, dp * tp / 2), dp * m * 2, tp, dp, zero, dp, tp, zero), List.of());
    }

    @ParameterizedTest(name = "tp {3} × dp {2}, zero {4}, L{0}, heads {1}")
    @CsvSource({"2,2,1,2,0,2", "2,2,2,2,1,2", "2,4,1,4,0,2"})
    void matchesSingleRankAndCountsMatch(int layers, int heads, int dp, int tp, int zero, int m) {
        Experiment e = tiny(layers, heads, dp, tp, zero, m);
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = ExecutedRun.inProcess(e, plan, ExecutedRun.Options.DEFAULT);
        System.out.printf("%s: diff %.3g losses %s ref %s, %d supersteps/step, %.2f s, sent %s%n", r.plan(),
                r.maxRelativeParamDiffVsSingleRank(), r.losses(), r.singleRankLosses(), r.superstepsPerStep(), r.seconds(),
                r.byCollective());
        assertTrue(r.maxRelativeParamDiffVsSingleRank() <= 1e-5, "param diff " + r.maxRelativeParamDiffVsSingleRank());
        for (int s = 0; s < r.losses().size(); s++)
            assertEquals(r.singleRankLosses().get(s), r.losses().get(s), 1e-5 * Math.abs(r.singleRankLosses().get(s)));
        long bsh = 2L * 8 * 16, bs = 2L * 8;
        long tpBytes = m * ((4L * layers + 2) * Chunking.ringAllReduceElements(bsh, tp) * 4 + 3 * Chunking.ringAllReduceElements(bs, tp) * 4);
        CommVolume predicted = CommModel.volume(e, CommModel.stage(e, plan, 0));
        for (RankComm rank : r.perRank()) {
            if (dp == 1) assertEquals(tpBytes, rank.sent(CollectiveKind.ALL_REDUCE), "rank " + rank.rank() + " TP all-reduce bytes");
            for (CollectiveKind kind : CollectiveKind.values())
                assertEquals(predicted.bytes(kind), rank.sent(kind), "accountant vs executed " + kind.label() + ", rank " + rank.rank());
        }
    }
}

package dev.parasim.exec.spark;

import dev.parasim.analytic.CommModel;
import dev.parasim.analytic.CommVolume;
import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.MemCategory;
import dev.parasim.exec.RankComm;
import dev.parasim.memory.MemoryModel;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Executed sequence parallelism (Korthikanti et al. 2022 §4.2.2: ReduceScatter after row-parallel
 * layers, AllGather before column-parallel ones, on the TP group, and the once-per-step
 * AllReduce of the LayerNorm and wpe gradients; §4.2.3: qkv and fc1 keep their local input and AllGather
 * it again in backward, as Megatron-LM does) trains like one rank: after 3 steps of 2 micro-batches
 * every parameter within 1e-5 (fp32) and equal losses. Per rank (dp = 1) the TP layer traffic is plain
 * TP's volume split half/half — AllGather and ReduceScatter each m·(4L + 2)·(t−1)·⌈b·s·h/t⌉·4 B (4 per
 * layer, plus the head's input gather and the embedding gradient's gather, resp. the embedding lookup's
 * and the head gradient's scatter) — and the re-gathers, AllGathers of m·2L·(t−1)·⌈b·s·h/t⌉·4 B; AllReduce 3·m·2(t−1)·⌈b·s/t⌉·4 B for the parallel cross-entropy plus
 * Σ 2(t−1)·⌈n/t⌉·4 B over the SP-partial gradients (wpe s·h, 4L LayerNorm vectors of h, the final
 * norm's 2 of h); every collective kind equals {@code CommModel.stage}, DP traffic included. Inside
 * pipeline stages (tp2·pp2 1F1B, and ZB-H1 with its split backward) a boundary carries each rank's b·s/t local
 * rows as they are (no AllGather on receipt), and every kind again equals the accountant's for the rank's stage.
 * Each rank's peak activations equal the accountant's for its stage (Korthikanti's SP row,
 * {@code MemoryModel.activationBytes}; under ZB-H1 with the M_W each pending W keeps).
 */
class SequenceParallelRunsTest {

    private static Experiment tiny(int heads, int dp, int tp, int pp, int zero, int m, String schedule) {
        return SpecLoader.parse("""
                name: exec-sp-test
                model: {name: tiny-gpt, layers: 2, hidden: 16, heads: %d, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 2, nodes: %d}
                training: {globalBatch: %d, microBatch: 2, precision: fp32, bucketMB: 0.004}
                plans:
                  - {name: sp-tp%d-dp%d-pp%d-z%d, dp: %d, tp: %d, pp: %d, schedule: %s, zero: %d, sequenceParallel: true}
                execute: {steps: 3, seed: 11, learningRate: 0.001}
                """.formatted(heads, Math.max(1, dp * tp * pp / 2), dp * m * 2, tp, dp, pp, zero, dp, tp, pp, schedule, zero),
                List.of());
    }

    @ParameterizedTest(name = "SP tp {2} × dp {1} × pp {3} {6}, zero {4}, heads {0}")
    @CsvSource({"2,1,2,1,0,2,1f1b", "4,1,4,1,0,2,1f1b", "2,2,2,1,1,2,1f1b", "2,1,2,2,0,2,1f1b", "2,2,2,2,1,2,1f1b",
            "2,1,2,2,0,2,zb-h1"})
    void matchesSingleRankAndCountsMatch(int heads, int dp, int tp, int pp, int zero, int m, String schedule) {
        Experiment e = tiny(heads, dp, tp, pp, zero, m, schedule);
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = ExecutedRun.inProcess(e, plan, ExecutedRun.Options.DEFAULT);
        System.out.printf("%s: diff %.3g losses %s ref %s, %d supersteps/step, %.2f s, sent %s%n", r.plan(),
                r.maxRelativeParamDiffVsSingleRank(), r.losses(), r.singleRankLosses(), r.superstepsPerStep(), r.seconds(),
                r.byCollective());
        assertTrue(r.maxRelativeParamDiffVsSingleRank() <= 1e-5, "param diff " + r.maxRelativeParamDiffVsSingleRank());
        for (int s = 0; s < r.losses().size(); s++)
            assertEquals(r.singleRankLosses().get(s), r.losses().get(s), 1e-5 * Math.abs(r.singleRankLosses().get(s)));
        int layers = 2, h = 16, seq = 8;
        long bsh = 2L * seq * h, bs = 2L * seq;
        long half = m * (4L * layers + 2) * Chunking.ringReduceScatterElements(bsh, tp) * 4;
        long partialGrads = Chunking.ringAllReduceElements((long) seq * h, tp) * 4
                + (4L * layers + 2) * Chunking.ringAllReduceElements(h, tp) * 4;
        long allReduce = 3L * m * Chunking.ringAllReduceElements(bs, tp) * 4 + partialGrads;
        // fc1's and qkv's inputs AllGathered again in backward, 2 per layer per micro-batch.
        long regather = 2L * m * layers * Chunking.ringReduceScatterElements(bsh, tp) * 4;
        for (RankComm rank : r.perRank()) {
            CommVolume predicted = CommModel.volume(e, CommModel.stage(e, plan, r.ranks().get(rank.rank()).stage()));
            if (dp == 1 && pp == 1) {
                assertEquals(half + regather, rank.sent(CollectiveKind.ALL_GATHER), "rank " + rank.rank() + " TP all-gather bytes");
                assertEquals(half, rank.sent(CollectiveKind.REDUCE_SCATTER), "rank " + rank.rank() + " TP reduce-scatter bytes");
                assertEquals(allReduce, rank.sent(CollectiveKind.ALL_REDUCE), "rank " + rank.rank() + " TP all-reduce bytes");
                // The layers move plain TP's 8·b·s·h·(t−1)/t elements per layer per micro-batch, as AllGather + ReduceScatter.
                assertEquals(m * 4L * layers * Chunking.ringAllReduceElements(bsh, tp) * 4, 2 * m * 4L * layers
                        * Chunking.ringReduceScatterElements(bsh, tp) * 4);
            }
            for (CollectiveKind kind : CollectiveKind.values())
                assertEquals(predicted.bytes(kind), rank.sent(kind), "accountant vs executed " + kind.label() + ", rank " + rank.rank());
            int stage = r.ranks().get(rank.rank()).stage();
            System.out.printf("  rank %d (stage %d): sent %d B (accountant %d), peak activations %d B (accountant %d)%n", rank.rank(), stage,
                    rank.sent(), predicted.bytesPerGpu(), r.ranks().get(rank.rank()).memory().peak(MemCategory.ACTIVATIONS),
                    MemoryModel.activationBytes(e, plan, stage));
            assertEquals(MemoryModel.activationBytes(e, plan, stage), r.ranks().get(rank.rank()).memory().peak(MemCategory.ACTIVATIONS),
                    "accountant vs executed peak activations, rank " + rank.rank());
        }
    }
}

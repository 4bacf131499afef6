package dev.parasim.exec.spark;

import dev.parasim.analytic.CommModel;
import dev.parasim.analytic.CommVolume;
import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.MemCategory;
import dev.parasim.exec.RankComm;
import dev.parasim.exec.TestSpark;
import dev.parasim.memory.Activations;
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
 * layers, AllGather before column-parallel ones, through Spark on the TP group, and the once-per-step
 * AllReduce of the LayerNorm and wpe gradients) trains like one rank: after 3 steps of 2 micro-batches
 * every parameter within 1e-5 (fp32) and equal losses. Per rank (dp = 1) the TP layer traffic is plain
 * TP's volume split half/half: AllGather and ReduceScatter each m·(4L + 2)·(t−1)·⌈b·s·h/t⌉·4 B (4 per
 * layer, plus the head's input gather and the embedding gradient's gather, resp. the embedding lookup's
 * and the head gradient's scatter); AllReduce 3·m·2(t−1)·⌈b·s/t⌉·4 B for the parallel cross-entropy plus
 * Σ 2(t−1)·⌈n/t⌉·4 B over the SP-partial gradients (wpe s·h, 4L LayerNorm vectors of h, the final
 * norm's 2 of h); every collective kind equals {@code CommModel.stage}, DP traffic included. Inside
 * pipeline stages (tp2·pp2 1F1B, and ZB-H1 with its split backward) a boundary carries each rank's b·s/t local rows as they are (no AllGather on
 * receipt), and every kind again equals the accountant's for the rank's stage. With {@code spLocalInputs}
 * (Korthikanti et al. 2022 §4.2.3) the same holds plus 2 AllGathers of b·s·h per layer per micro-batch, the
 * backward re-gathers of the qkv/fc1 inputs, which the accountant (keeping gathered inputs) does not count.
 * Each rank's peak activations equal the accountant's for its stage with local inputs (Korthikanti's SP row) and
 * otherwise exactly the accountant's with the gathered inputs' 2·(1 − 1/t)·b·s·h fp32 per layer added to each
 * micro-batch's M_B (under ZB-H1 the stage's peak mixes M_B and M_W, so the surplus is not simply additive).
 */
class SequenceParallelRunsTest {

    private static Experiment tiny(int heads, int dp, int tp, int pp, int zero, int m, boolean local, String schedule) {
        return SpecLoader.parse("""
                name: exec-sp-test
                model: {name: tiny-gpt, layers: 2, hidden: 16, heads: %d, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 2, nodes: %d}
                training: {globalBatch: %d, microBatch: 2, precision: fp32, bucketMB: 0.004}
                plans:
                  - {name: sp-tp%d-dp%d-pp%d-z%d, dp: %d, tp: %d, pp: %d, schedule: %s, zero: %d, sequenceParallel: true}
                execute: {steps: 3, seed: 11, learningRate: 0.001, spLocalInputs: %s}
                """.formatted(heads, Math.max(1, dp * tp * pp / 2), dp * m * 2, tp, dp, pp, zero, dp, tp, pp, schedule, zero, local),
                List.of());
    }

    @ParameterizedTest(name = "SP tp {2} × dp {1} × pp {3} {7}, zero {4}, heads {0}, local inputs {6}")
    @CsvSource({"2,1,2,1,0,2,false,1f1b", "4,1,4,1,0,2,false,1f1b", "2,2,2,1,1,2,false,1f1b", "2,1,2,2,0,2,false,1f1b",
            "2,1,2,1,0,2,true,1f1b", "2,1,2,2,0,2,true,1f1b", "2,1,2,2,0,2,false,zb-h1", "2,1,2,2,0,2,true,zb-h1"})
    void matchesSingleRankAndCountsMatch(int heads, int dp, int tp, int pp, int zero, int m, boolean local, String schedule) {
        Experiment e = tiny(heads, dp, tp, pp, zero, m, local, schedule);
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = ExecutedRun.run(TestSpark.session(), e, plan);
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
        // Local inputs: fc1's and qkv's inputs AllGathered again in backward, 2 per layer of the stage per micro-batch.
        long regather = local ? 2L * m * (layers / pp) * Chunking.ringReduceScatterElements(bsh, tp) * 4 : 0;
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
                assertEquals(predicted.bytes(kind) + (kind == CollectiveKind.ALL_GATHER ? regather : 0), rank.sent(kind),
                        "accountant (+ re-gathers) vs executed " + kind.label() + ", rank " + rank.rank());
            // Activations: Korthikanti's SP row keeps local qkv/fc1 inputs (spLocalInputs); kept gathered, each micro-batch
            // holds 2·(1 − 1/t)·b·s·h fp32 more per layer of the stage until its backward (B), none from B to W (ZB-H1's
            // M_W reads the gathered inputs either way). The stage holds the accountant's mix of M_B and M_W with that M_B.
            var d = r.ranks().get(rank.rank());
            int stage = d.stage();
            long inFlight = Math.round(Activations.layersInFlight(e.model(), plan, m, stage) / ((double) layers / pp));
            long gathered = local ? 0 : (layers / pp) * 2 * bsh * (tp - 1) / tp * 4;
            double untilB = Activations.chunkBytes(e.model(), plan, 2, Recompute.NONE, 4, stage) + gathered;
            double untilW = schedule.equals("zb-h1") ? Activations.chunkWeightGradBytes(e.model(), plan, 2, 4, stage) : 0;
            long expected = Math.round(Activations.heldBetweenPasses(untilB, untilW, (int) inFlight,
                    Activations.weightGradsPendingAtPeak(plan, m, stage)));
            if (local) assertEquals(MemoryModel.activationBytes(e, plan, stage), expected);
            assertEquals(expected, d.memory().peak(MemCategory.ACTIVATIONS),
                    "accountant (+ gathered inputs) vs executed peak activations, rank " + rank.rank());
        }
    }
}

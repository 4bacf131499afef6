package dev.parasim.exec.spark;

import dev.parasim.analytic.CommModel;
import dev.parasim.analytic.CommVolume;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.MemCategory;
import dev.parasim.exec.RankComm;
import dev.parasim.exec.RankDetail;
import dev.parasim.memory.Activations;
import dev.parasim.memory.MemoryModel;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.load.SpecLoader;
import dev.parasim.workload.StageSplit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 3D plans (TP groups inside pipeline stages, composed with DP) train like one rank: parameters within
 * 1e-5 (fp32) and equal losses after 3 steps; the 16-rank dp2·tp2·pp4 runs in fp64 and agrees within 1e-12
 * (the parallel cross-entropy's statistics travel in fp64 too; in fp32 the same plan's Adam-amplified
 * rounding reaches 1.7e-5 with losses equal to 2e-9).
 * Per rank every collective kind's bytes equal
 * {@code CommModel.stage} for its stage — SendRecv b·s·h/t per boundary per micro-batch per direction,
 * the receiving TP group's AllGather of the slices, TP AllReduces, the wte AllReduce and the DP sync — and
 * each stage holds as many micro-batch chunks at once as the memory model's in-flight count, and its peak
 * activation bytes equal the accountant's for the stage ({@code MemoryModel.activationBytes}); uneven stages (the
 * default split of 5 and 7 layers) included.
 */
class ThreeDimensionalRunsTest {

    private static Experiment tiny(int layers, int dp, int tp, int pp, String schedule, int chunks, int zero, int m, boolean fp64) {
        return SpecLoader.parse("""
                name: exec-3d-test
                model: {name: tiny-gpt, layers: %d, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 2, nodes: %d}
                training: {globalBatch: %d, microBatch: 2, precision: fp32, bucketMB: 0.004}
                plans:
                  - {name: d%d-t%d-p%d-%s-z%d, dp: %d, tp: %d, pp: %d, schedule: %s, chunks: %d, zero: %d}
                execute: {steps: 3, seed: 11, learningRate: 0.001, fp64: %s}
                """.formatted(layers, dp * tp * pp / 2, dp * m * 2, dp, tp, pp, schedule, zero, dp, tp, pp, schedule, chunks, zero, fp64),
                List.of());
    }

    @ParameterizedTest(name = "dp{1}·tp{2}·pp{3} {4} v{5} zero {6}, L{0}, m{7}, fp64 {8}")
    @CsvSource({"2,2,2,2,1f1b,1,1,2,false", "4,1,2,2,interleaved,2,0,2,false",
            "4,1,2,4,zb-h1,1,0,4,false", "4,2,2,4,1f1b,1,1,4,true",
            // Uneven stages, the default split: 5 layers on 2 stages (3, 2) under ZeRO-3, 7 on 2 × 2 chunks (2, 2, 2, 1).
            "5,2,2,2,1f1b,1,3,2,false", "7,1,2,2,interleaved,2,0,2,false"})
    void matchesSingleRankAndCountsMatch(int layers, int dp, int tp, int pp, String schedule, int chunks, int zero, int m,
                                         boolean fp64) {
        Experiment e = tiny(layers, dp, tp, pp, schedule, chunks, zero, m, fp64);
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = ExecutedRun.inProcess(e, plan, ExecutedRun.Options.DEFAULT);
        System.out.printf("%s: diff %.3g losses %s ref %s, %d supersteps/step, %.2f s, sent %s%n", r.plan(),
                r.maxRelativeParamDiffVsSingleRank(), r.losses(), r.singleRankLosses(), r.superstepsPerStep(), r.seconds(),
                r.byCollective());
        double tolerance = fp64 ? 1e-12 : 1e-5;
        assertTrue(r.maxRelativeParamDiffVsSingleRank() <= tolerance, "param diff " + r.maxRelativeParamDiffVsSingleRank());
        for (int s = 0; s < r.losses().size(); s++)
            assertEquals(r.singleRankLosses().get(s), r.losses().get(s), tolerance * Math.abs(r.singleRankLosses().get(s)));
        long slice = 2L * 8 * 16 / tp * (fp64 ? 8 : 4);   // b·s·h/t elements of the wire type
        for (RankComm rank : r.perRank()) {
            RankDetail d = r.ranks().get(rank.rank());
            int s = d.stage(), v = chunks;
            long sends = (long) m * (s < pp - 1 ? v : v - 1) + (long) m * (s > 0 ? v : v - 1);
            assertEquals(sends * slice, rank.sent(CollectiveKind.SEND_RECV), "rank " + rank.rank() + " sendRecv");
            double layersPerChunk = (double) StageSplit.of(e.model(), plan).stageLayers(s) / chunks;
            long inFlight = Math.round(Activations.layersInFlight(e.model(), plan, m, s) / layersPerChunk);
            assertEquals(inFlight, d.maxInFlight(), "rank " + rank.rank() + " in-flight micro-batch chunks");
            if (fp64) continue;   // fp64 runs send and keep 8-byte activations; the accountant's fp32 plan counts 4
            CommVolume predicted = CommModel.volume(e, CommModel.stage(e, plan, s));
            for (CollectiveKind kind : CollectiveKind.values())
                assertEquals(predicted.bytes(kind), rank.sent(kind), "accountant vs executed " + kind.label() + ", rank " + rank.rank());
            assertEquals(MemoryModel.activationBytes(e, plan, s), d.memory().peak(MemCategory.ACTIVATIONS),
                    "accountant vs executed peak activations, rank " + rank.rank());
        }
    }
}

package dev.parasim.exec.spark;

import dev.parasim.analytic.CommModel;
import dev.parasim.analytic.CommVolume;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.MemCategory;
import dev.parasim.exec.RankComm;
import dev.parasim.exec.RankDetail;
import dev.parasim.memory.MemoryModel;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Executed full recompute ({@code training.recompute: full}): a forward keeps each layer's input only and a backward
 * replays the layer first. Every plan trains like one rank (parameters within 1e-5, losses equal), sends the bytes of
 * {@code CommModel.stage} (recompute without TP adds none), and peaks on every stage at the accountant's bytes: its
 * activations while a backward replays a layer ({@code memory.LayerReplay}), the most it holds between passes, and the
 * whole peak with the communication buffers live then — DDP, ZeRO-1/2/3, one stage and pipelines of every schedule,
 * uneven stages included. The same plan without recompute holds more.
 */
class ExecutedRecomputeTest {

    private static Experiment tiny(int layers, int dp, int pp, String schedule, int chunks, int zero, int m, String recompute) {
        return SpecLoader.parse("""
                name: exec-recompute-test
                model: {name: tiny-gpt, layers: %d, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 2, nodes: %d}
                training: {globalBatch: %d, microBatch: 2, precision: fp32, bucketMB: 0.004, recompute: %s}
                plans:
                  - {name: d%d-p%d-%s-v%d-z%d, dp: %d, pp: %d, schedule: %s, chunks: %d, zero: %d}
                execute: {steps: 3, seed: 11, learningRate: 0.001}
                """.formatted(layers, Math.max(1, dp * pp / 2), dp * m * 2, recompute, dp, pp, schedule, chunks, zero, dp, pp,
                schedule, chunks, zero), List.of());
    }

    @ParameterizedTest(name = "L{0} dp{1}·pp{2} {3} v{4} zero {5}, m{6}")
    @CsvSource({"2,2,1,1f1b,1,0,2", "2,2,1,1f1b,1,1,2", "2,2,1,1f1b,1,2,2", "2,2,1,1f1b,1,3,2",
            "4,1,2,1f1b,1,0,4", "4,2,2,gpipe,1,3,2", "4,1,2,interleaved,2,0,4", "4,2,2,interleaved,2,2,2",
            "4,1,2,zb-h1,1,0,3", "4,2,2,zb-h1,1,2,2", "4,2,2,zb-h1,1,3,2", "5,1,2,1f1b,1,0,2", "5,2,2,1f1b,1,3,3",
            // Middle stages (pp 4): DDP's sync staged beside the last backward's sent gradient; 2 layers a chunk interleaved.
            "8,1,4,1f1b,1,0,4", "8,2,4,1f1b,1,0,4", "8,2,4,1f1b,1,1,4", "8,1,2,interleaved,2,0,4"})
    void replaysLayersLikeOneRankAndPeaksAsPredicted(int layers, int dp, int pp, String schedule, int chunks, int zero, int m) {
        Experiment e = tiny(layers, dp, pp, schedule, chunks, zero, m, "full");
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = ExecutedRun.inProcess(e, plan, ExecutedRun.Options.DEFAULT);
        System.out.printf("%s recompute full: diff %.3g losses %s ref %s%n", plan.name(), r.maxRelativeParamDiffVsSingleRank(),
                r.losses(), r.singleRankLosses());
        assertTrue(r.maxRelativeParamDiffVsSingleRank() <= 1e-5, "param diff " + r.maxRelativeParamDiffVsSingleRank());
        for (int s = 0; s < r.losses().size(); s++)
            assertEquals(r.singleRankLosses().get(s), r.losses().get(s), 1e-5 * r.singleRankLosses().get(s), "loss " + s);
        for (RankComm rank : r.perRank()) {
            CommVolume predicted = CommModel.volume(e, CommModel.stage(e, plan, r.ranks().get(rank.rank()).stage()));
            for (CollectiveKind kind : CollectiveKind.values())
                assertEquals(predicted.bytes(kind), rank.sent(kind), "rank " + rank.rank() + " " + kind.label());
        }
        Experiment keepAll = tiny(layers, dp, pp, schedule, chunks, zero, m, "none");
        for (RankDetail d : r.ranks()) {
            int stage = d.stage();
            long peak = MemoryModel.activationBytes(e, plan, stage), between = MemoryModel.activationBytesBetweenPasses(e, plan, stage);
            System.out.printf("  stage %d: activations %,d B at the peak (predicted %,d), %,d between passes (%,d); none keeps %,d%n",
                    stage, d.memory().peak(MemCategory.ACTIVATIONS), peak, d.residentActivationBytes(), between,
                    MemoryModel.activationBytes(keepAll, keepAll.plans().get(0), stage));
            assertEquals(peak, d.memory().peak(MemCategory.ACTIVATIONS), "rank " + d.rank() + " peak activations");
            assertEquals(between, d.residentActivationBytes(), "rank " + d.rank() + " activations held between passes");
            assertTrue(between < peak, "a replayed layer peaks above what the passes keep, rank " + d.rank());
            assertTrue(peak < MemoryModel.activationBytes(keepAll, keepAll.plans().get(0), stage), "recompute saves memory");
            assertEquals(MemoryModel.ofStage(e, plan, stage).peakBytes(), d.memory().peakTotal(), "rank " + d.rank() + " whole peak");
        }
    }
}

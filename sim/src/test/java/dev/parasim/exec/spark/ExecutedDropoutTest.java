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
 * Executed dropout ({@code model.dropout: true}, p = 0.1 after the embedding, on the attention probabilities and on both
 * residual branches, masks drawn from each sequence's key): every plan trains like one rank, which draws the same masks
 * for the same sequences (parameters within 1e-5, losses equal), and differently from the same plan without dropout.
 * Bytes per rank are {@code CommModel.stage}'s. Every stage's activation peak, between-pass holding and whole peak equal
 * the accountant's, whose dropout terms are Korthikanti et al.'s: the two residual masks and the embedding's (1 B an
 * element), the attention mask (1 B) and the dropped probabilities — under full recompute too, whose replay draws the
 * masks again.
 */
class ExecutedDropoutTest {

    private static Experiment tiny(int layers, int dp, int pp, String schedule, int chunks, int zero, int m, String recompute,
                                   boolean dropout) {
        return SpecLoader.parse("""
                name: exec-dropout-test
                model: {name: tiny-gpt, layers: %d, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: %s}
                cluster: {preset: cpu-8, gpusPerNode: 2, nodes: %d}
                training: {globalBatch: %d, microBatch: 2, precision: fp32, bucketMB: 0.004, recompute: %s}
                plans:
                  - {name: d%d-p%d-%s-v%d-z%d, dp: %d, pp: %d, schedule: %s, chunks: %d, zero: %d}
                execute: {steps: 3, seed: 11, learningRate: 0.001}
                """.formatted(layers, dropout, Math.max(1, dp * pp / 2), dp * m * 2, recompute, dp, pp, schedule, chunks, zero,
                dp, pp, schedule, chunks, zero), List.of());
    }

    @ParameterizedTest(name = "L{0} dp{1}·pp{2} {3} v{4} zero {5}, m{6}, recompute {7}")
    @CsvSource({"2,2,1,1f1b,1,0,2,none", "2,2,1,1f1b,1,3,2,none", "4,1,2,1f1b,1,0,4,none", "4,1,2,interleaved,2,0,4,none",
            "4,2,2,zb-h1,1,2,2,none", "2,2,1,1f1b,1,0,2,full", "4,2,2,gpipe,1,3,2,full", "5,1,2,zb-h1,1,0,3,full"})
    void dropsOutLikeOneRankAndPeaksAsPredicted(int layers, int dp, int pp, String schedule, int chunks, int zero, int m,
                                                String recompute) {
        Experiment e = tiny(layers, dp, pp, schedule, chunks, zero, m, recompute, true);
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = ExecutedRun.inProcess(e, plan, ExecutedRun.Options.DEFAULT);
        Experiment kept = tiny(layers, dp, pp, schedule, chunks, zero, m, recompute, false);
        ExecutedResult noDropout = ExecutedRun.inProcess(kept, kept.plans().get(0), new ExecutedRun.Options(0, false));
        System.out.printf("%s dropout, recompute %s: diff %.3g losses %s ref %s, without dropout %s%n", plan.name(), recompute,
                r.maxRelativeParamDiffVsSingleRank(), r.losses(), r.singleRankLosses(), noDropout.losses());
        assertTrue(r.maxRelativeParamDiffVsSingleRank() <= 1e-5, "param diff " + r.maxRelativeParamDiffVsSingleRank());
        for (int s = 0; s < r.losses().size(); s++) {
            assertEquals(r.singleRankLosses().get(s), r.losses().get(s), 1e-5 * r.singleRankLosses().get(s), "loss " + s);
            assertTrue(Math.abs(r.losses().get(s) - noDropout.losses().get(s)) > 1e-4, "dropout changes the loss of step " + s);
        }
        for (RankComm rank : r.perRank()) {
            CommVolume predicted = CommModel.volume(e, CommModel.stage(e, plan, r.ranks().get(rank.rank()).stage()));
            for (CollectiveKind kind : CollectiveKind.values())
                assertEquals(predicted.bytes(kind), rank.sent(kind), "rank " + rank.rank() + " " + kind.label());
        }
        for (RankDetail d : r.ranks()) {
            int stage = d.stage();
            long peak = MemoryModel.activationBytes(e, plan, stage);
            System.out.printf("  stage %d: activations %,d B at the peak (predicted %,d), %,d between passes; without dropout %,d%n",
                    stage, d.memory().peak(MemCategory.ACTIVATIONS), peak, d.residentActivationBytes(),
                    MemoryModel.activationBytes(kept, kept.plans().get(0), stage));
            assertEquals(peak, d.memory().peak(MemCategory.ACTIVATIONS), "rank " + d.rank() + " peak activations");
            assertEquals(MemoryModel.activationBytesBetweenPasses(e, plan, stage), d.residentActivationBytes(),
                    "rank " + d.rank() + " activations held between passes");
            assertTrue(peak > MemoryModel.activationBytes(kept, kept.plans().get(0), stage), "the masks take memory");
            assertEquals(MemoryModel.ofStage(e, plan, stage).peakBytes(), d.memory().peakTotal(), "rank " + d.rank() + " whole peak");
        }
    }
}

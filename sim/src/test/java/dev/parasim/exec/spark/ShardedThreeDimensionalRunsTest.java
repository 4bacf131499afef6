package dev.parasim.exec.spark;

import dev.parasim.analytic.CommModel;
import dev.parasim.analytic.CommVolume;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.program.ExecutedEvent;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.MemCategory;
import dev.parasim.exec.RankComm;
import dev.parasim.exec.RankDetail;
import dev.parasim.memory.MemoryModel;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.load.SpecLoader;
import dev.parasim.timeline.ExecutedReplay;
import dev.parasim.timeline.Lane;
import dev.parasim.timeline.SpanKind;
import dev.parasim.timeline.Timeline;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ZeRO-2 and ZeRO-3 for the DP part of pipeline, tensor-parallel and 3D plans train like one rank:
 * parameters within 1e-5 (fp32) and equal losses after 3 steps. Per rank every collective kind's bytes
 * equal {@code CommModel.stage} for its stage (the per-micro-batch ReduceScatters, ZeRO-3's forward and
 * backward AllGathers of each chunk's units, the tied unit's gradient AllGather before the wte AllReduce,
 * TP and pipeline traffic), and the parameters, gradients and optimizer state each rank holds after the
 * step equal {@code MemoryModel.modelStates} for the rank's stage. The timeline replays the run with every DP
 * collective the ranks logged (those inside pipeline passes included) on their comm lanes.
 */
class ShardedThreeDimensionalRunsTest {

    private static Experiment tiny(int layers, int dp, int tp, int pp, String schedule, int chunks, int zero, int m, boolean sp) {
        return tiny(layers, dp, tp, pp, schedule, chunks, zero, m, sp, 3);
    }

    /** {@return a tiny-GPT experiment of one plan with these degrees, m micro-batches of 2 per replica, run for {@code steps} steps} */
    static Experiment tiny(int layers, int dp, int tp, int pp, String schedule, int chunks, int zero, int m, boolean sp, int steps) {
        return SpecLoader.parse("""
                name: exec-zero-3d-test
                model: {name: tiny-gpt, layers: %d, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 2, nodes: %d}
                training: {globalBatch: %d, microBatch: 2, precision: fp32}
                plans:
                  - {name: d%d-t%d-p%d-%s-z%d, dp: %d, tp: %d, pp: %d, schedule: %s, chunks: %d, zero: %d, sequenceParallel: %s}
                execute: {steps: %d, seed: 11, learningRate: 0.001}
                """.formatted(layers, Math.max(1, dp * tp * pp / 2), dp * m * 2, dp, tp, pp, schedule, zero, dp, tp, pp, schedule,
                chunks, zero, sp, steps), List.of());
    }

    @ParameterizedTest(name = "dp{1}·tp{2}·pp{3} {4} v{5} zero {6}, L{0}, m{7}, SP {8}")
    @CsvSource({"2,2,1,2,1f1b,1,2,2,false", "2,2,1,2,1f1b,1,3,2,false", "2,2,2,1,1f1b,1,3,2,false",
            "2,2,2,2,1f1b,1,2,2,false", "4,2,2,2,interleaved,2,3,2,false", "2,3,2,1,1f1b,1,2,2,true",
            "2,2,2,2,zb-h1,1,3,2,true", "2,2,1,2,zb-h1,1,2,2,false", "2,2,1,2,zb-h1,1,3,2,false"})
    void matchesSingleRankWithAccountantBytesAndModelStates(int layers, int dp, int tp, int pp, String schedule, int chunks,
                                                            int zero, int m, boolean sp) {
        Experiment e = tiny(layers, dp, tp, pp, schedule, chunks, zero, m, sp);
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = ExecutedRun.inProcess(e, plan, ExecutedRun.Options.DEFAULT);
        System.out.printf("%s: diff %.3g losses %s ref %s, %d supersteps/step, %.2f s, sent %s, memory %s%n", r.plan(),
                r.maxRelativeParamDiffVsSingleRank(), r.losses(), r.singleRankLosses(), r.superstepsPerStep(), r.seconds(),
                r.byCollective(), r.memory());
        assertTrue(r.maxRelativeParamDiffVsSingleRank() <= 1e-5, "param diff " + r.maxRelativeParamDiffVsSingleRank());
        for (int s = 0; s < r.losses().size(); s++)
            assertEquals(r.singleRankLosses().get(s), r.losses().get(s), 1e-5 * Math.abs(r.singleRankLosses().get(s)));
        for (RankComm rank : r.perRank()) {
            RankDetail d = r.ranks().get(rank.rank());
            CommVolume predicted = CommModel.volume(e, CommModel.stage(e, plan, d.stage()));
            for (CollectiveKind kind : CollectiveKind.values()) {
                assertEquals(predicted.bytes(kind), rank.sent(kind), "accountant vs executed " + kind.label() + ", rank " + rank.rank());
                assertEquals(predicted.bytes(kind), rank.received(kind), "received " + kind.label() + ", rank " + rank.rank());
            }
            MemoryModel.ModelStates states = MemoryModel.modelStates(e, plan, d.stage());
            assertEquals(states.paramsBytes(), d.memory().live(MemCategory.PARAMS), "params bytes, rank " + rank.rank());
            assertEquals(states.gradsBytes(), d.memory().live(MemCategory.GRADS), "grads bytes, rank " + rank.rank());
            assertEquals(states.optimizerBytes(), d.memory().live(MemCategory.OPTIMIZER), "optimizer bytes, rank " + rank.rank());
        }
        Timeline replay = ExecutedReplay.of(e, plan, r.eventsByRank());
        for (RankDetail d : r.ranks()) {
            long logged = d.events().stream().filter(ev -> ev.group() == ExecutedEvent.Group.DP).count();
            long replayed = replay.lane(d.rank(), Lane.COMM).stream()
                    .filter(span -> span.kind() == SpanKind.DP_COMM && span.label().endsWith("[DP]")).count();
            assertTrue(logged >= m, "rank " + d.rank() + " logs its per-micro-batch DP collectives, found " + logged);
            assertEquals(logged, replayed, "rank " + d.rank() + " replayed DP collectives");
        }
    }
}

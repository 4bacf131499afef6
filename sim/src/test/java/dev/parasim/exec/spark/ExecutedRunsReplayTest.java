package dev.parasim.exec.spark;

import dev.parasim.program.ExecutedEvent;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.Experiments;
import dev.parasim.exec.RankDetail;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.timeline.ExecutedReplay;
import dev.parasim.timeline.Lane;
import dev.parasim.timeline.Span;
import dev.parasim.timeline.SpanKind;
import dev.parasim.timeline.Timeline;
import dev.parasim.timeline.Timelines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The timeline interpreter replays what the executor did. For a pipelined run (one chunk per stage) the
 * replayed passes of every stage start and end exactly where the timeline puts the same plan's generated
 * program: one program, two interpreters, same answer. A data-parallel run replays as its ranks' sequence
 * of passes, blocking collectives and the optimizer.
 */
class ExecutedRunsReplayTest {

    /**
     * The unchunked runs whose DP collectives all follow the last pass (ZeRO 0–1): under ZeRO-2/3 the executor blocks on
     * each per-pass gather and reduce-scatter, which the generated program overlaps with compute, so their passes move.
     */
    static Stream<PipelineRuns.Config> unchunked() {
        return PipelineRuns.all().stream().filter(c -> c.chunks() == 1 && c.zero() <= 1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unchunked")
    void replayedPipelinePassesEqualThePlayedProgram(PipelineRuns.Config c) {
        Experiment e = c.experiment();
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = PipelineRuns.result(c);
        Timeline replay = ExecutedReplay.of(e, plan, r.eventsByRank());
        Timeline played = Timelines.of(e, plan);
        assertEquals(r.ranks().size(), replay.stages());
        double scale = played.stepSeconds();
        for (RankDetail d : r.ranks()) {
            List<Span> executed = passes(replay.lane(d.rank(), Lane.COMPUTE));
            List<Span> generated = passes(played.lane(d.stage(), Lane.COMPUTE));
            assertEquals(generated.size(), executed.size(), "rank " + d.rank() + " passes");

            for (int i = 0; i < generated.size(); i++) {
                Span g = generated.get(i), x = executed.get(i);
                assertEquals(g.kind(), x.kind(), "rank " + d.rank() + " pass " + i);
                assertEquals(g.microBatch(), x.microBatch(), "rank " + d.rank() + " pass " + i);
                assertEquals(g.startSeconds(), x.startSeconds(), 1e-9 * scale, "rank " + d.rank() + " " + g.label() + " start");
                assertEquals(g.endSeconds(), x.endSeconds(), 1e-9 * scale, "rank " + d.rank() + " " + g.label() + " end");
            }
        }
        assertTrue(replay.bubbleSeconds() > 0, "a pipeline idles somewhere");
    }

    @Test
    void dataParallelReplayIsPassesThenBlockingSyncThenOptimizer() {
        Experiment e = Experiments.tiny(4, 0, 2, "fp32", false, 0.004);
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = ExecutedRun.inProcess(e, plan, ExecutedRun.Options.DEFAULT);
        Timeline t = ExecutedReplay.of(e, plan, r.eventsByRank());
        for (RankDetail d : r.ranks()) {
            long passes = d.events().stream().filter(ev -> ev.kind() == ExecutedEvent.Kind.F || ev.kind() == ExecutedEvent.Kind.BW).count();
            assertEquals(2 * 2, passes, "one F and one BW per micro-batch on rank " + d.rank());
            List<Span> compute = t.lane(d.rank(), Lane.COMPUTE);
            List<Span> comm = t.lane(d.rank(), Lane.COMM);
            assertEquals(SpanKind.OPTIMIZER, compute.get(compute.size() - 1).kind());
            assertEquals(1, comm.size(), "one bucketed AllReduce");
            // Nothing overlaps: each span starts where the one before it ended.
            double at = 0;
            for (Span s : Stream.concat(compute.stream(), comm.stream()).sorted(java.util.Comparator.comparingDouble(Span::startSeconds)).toList()) {
                assertEquals(at, s.startSeconds(), 1e-15);
                at = s.endSeconds();
            }
            assertEquals(t.stepSeconds(), at, 1e-15);
        }
        assertEquals(t.stepSeconds(), t.computeSeconds() + t.exposedCommSeconds(), 1e-15);
        assertEquals(0, t.bubbleSeconds(), 1e-15);
        assertTrue(t.exposedCommSeconds() > 0);
    }

    private static List<Span> passes(List<Span> lane) {
        return lane.stream().filter(s -> s.kind() != SpanKind.OPTIMIZER).toList();
    }
}

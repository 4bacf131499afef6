package dev.parasim.timeline;

import dev.parasim.Fixtures;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.plan.Axis;
import dev.parasim.program.ProgramFold;
import dev.parasim.program.StepProgram;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The played timeline shows every collective of the step program, inside the step, where its overlap rule puts it. */
class TimelineCommunicationTest {
    private static final Pattern SENT = Pattern.compile("(\\d+) B sent");

    private static final Experiment E = Fixtures.experiment("""
            name: comm
            model: {preset: gpt3-175b}
            cluster: {preset: dgx-a100-80g, nodes: 8}
            training: {globalBatch: 64, microBatch: 1, precision: bf16-mixed}
            plans:
              - {name: ddp, dp: 64}
              - {name: zero2, dp: 64, zero: 2}
              - {name: zero3, dp: 64, zero: 3}
              - {name: tp8, dp: 8, tp: 8}
              - {name: 3d, dp: 2, tp: 8, pp: 4, schedule: interleaved, chunks: 2, sequenceParallel: true, zero: 1}
            """);

    static Timeline played(String name) {
        return Timelines.of(E, plan(name));
    }

    static ParallelPlan plan(String name) {
        return E.plans().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    /** {@return the bytes named by every comm span of stage {@code stage} except pipeline sends} */
    static long drawnBytes(Timeline t, int stage) {
        long sum = 0;
        for (Span s : t.lane(stage, Lane.COMM)) {
            Matcher m = SENT.matcher(s.label());
            if (s.kind() != SpanKind.PP_SEND && m.find()) sum += Long.parseLong(m.group(1));
        }
        return sum;
    }

    /** {@return the program's bytes of stage {@code stage} but the pipeline sends} */
    static long programBytes(ParallelPlan plan, int stage) {
        long sum = 0;
        for (Map.Entry<Axis, Map<CollectiveKind, Long>> byAxis : ProgramFold.bytes(StepProgram.of(E, plan), stage).entrySet())
            for (Map.Entry<CollectiveKind, Long> k : byAxis.getValue().entrySet())
                if (!(byAxis.getKey() == Axis.PP && k.getKey() == CollectiveKind.SEND_RECV)) sum += k.getValue();
        return sum;
    }

    @Test
    void everyPlanDrawsAllItsCommunicationInsideTheStep() {
        for (ParallelPlan plan : E.plans()) {
            Timeline t = Timelines.of(E, plan);
            for (int s = 0; s < plan.pp(); s++) {
                assertEquals(programBytes(plan, s), drawnBytes(t, s), plan.name() + " stage " + s);
                for (Span span : t.lane(s, Lane.COMM))
                    assertTrue(span.startSeconds() >= 0 && span.endSeconds() <= t.stepSeconds() * (1 + 1e-12),
                            plan.name() + ": " + span + " outside the step of " + t.stepSeconds() + " s");
            }
        }
    }

    @Test
    void ddpSynchronisesDuringTheLastBackward() {
        Timeline t = played("ddp");
        List<Span> comm = t.lane(0, Lane.COMM);
        assertEquals(1, comm.size());
        Span sync = comm.get(0);
        Span lastBackward = t.lane(0, Lane.COMPUTE).stream().filter(s -> s.kind() == SpanKind.BACKWARD).reduce((a, b) -> b).orElseThrow();
        assertTrue(sync.label().startsWith("gradient sync ") && sync.label().contains(" on DP, "), sync.label());
        assertTrue(sync.startSeconds() >= lastBackward.startSeconds() && sync.startSeconds() < lastBackward.endSeconds(),
                "the sync starts inside the last backward: " + sync + " vs " + lastBackward);
    }

    @Test
    void zero2ReduceScattersAfterEveryBackwardAndGathersParametersWithinTheStep() {
        Timeline t = played("zero2");
        int m = E.microBatches(plan("zero2"));
        List<Span> comm = t.lane(0, Lane.COMM);
        assertEquals(m, comm.stream().filter(s -> s.label().contains("reduce-scatter") || s.label().contains("reduceScatter")).count());
        List<Span> gathers = comm.stream().filter(s -> s.label().startsWith("parameter gather")).toList();
        assertTrue(!gathers.isEmpty() && gathers.get(0).startSeconds() == 0, "the gather overlapping the first forward: " + gathers);
    }

    @Test
    void zero3GathersBeforeEveryForwardAndBackward() {
        Timeline t = played("zero3");
        int m = E.microBatches(plan("zero3"));
        long gathers = t.lane(0, Lane.COMM).stream().filter(s -> s.label().startsWith("ZeRO-3 ")).count();
        assertEquals(2L * m, gathers);
    }

    @Test
    void tensorParallelCollectivesShowInsideEveryPass() {
        Timeline t = played("tp8");
        int m = E.microBatches(plan("tp8"));
        List<Span> tp = t.lane(0, Lane.COMM).stream().filter(s -> s.kind() == SpanKind.TP_COMM).toList();
        assertEquals(2L * m, tp.size());
        double drawn = tp.stream().mapToDouble(Span::seconds).sum();
        assertTrue(drawn > 0 && drawn <= t.exposedCommSeconds() * (1 + 1e-9) + 1e-12,
                "TP bars " + drawn + " s within the exposed " + t.exposedCommSeconds() + " s");
    }
}

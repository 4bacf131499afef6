package dev.parasim.timeline;

import dev.parasim.collective.CollectiveKind;
import dev.parasim.program.ExecutedEvent;
import dev.parasim.program.schedule.Pass;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replay of hand-written typed event logs, without the executor: a DP AllReduce starts on both members when
 * the later one reaches it and ends together; a receive holds its pass until the matching send (same pass fed,
 * same peers) is done; a log whose receive has no send deadlocks.
 */
class ExecutedReplayTest {
    private static Experiment experiment(String plan) {
        return SpecLoader.parse("""
                name: replay-test
                model: {name: tiny-gpt, layers: 2, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 1, nodes: 2}
                training: {globalBatch: 4, microBatch: 2, precision: fp32}
                plans:
                  - %s
                """.formatted(plan), List.of());
    }

    private static ExecutedEvent f(int mb, int first, int last) {
        return ExecutedEvent.pass(Pass.F, "F" + mb, mb, 0, first, last, 1e6, 0, "");
    }

    @Test
    void dataParallelAllReduceStartsWhenTheLaterMemberArrivesAndEndsOnBoth() {
        Experiment e = experiment("{name: ddp, dp: 2}");
        ExecutedEvent allReduce = ExecutedEvent.collective(CollectiveKind.ALL_REDUCE, ExecutedEvent.Group.DP, "RingAllReduce[DP]", 4096, 0);
        // Rank 1 runs two forwards before the AllReduce, rank 0 one: the AllReduce waits for rank 1.
        List<List<ExecutedEvent>> logs = List.of(
                List.of(f(0, 0, 3), allReduce, ExecutedEvent.optimizer(0, 3, 0)),
                List.of(f(0, 0, 3), f(1, 0, 3), allReduce, ExecutedEvent.optimizer(0, 3, 0)));
        Timeline t = ExecutedReplay.of(e, e.plans().get(0), logs);
        List<Span> comm = t.spans().stream().filter(s -> s.kind() == SpanKind.DP_COMM).toList();
        assertEquals(2, comm.size(), "one AllReduce span per rank");
        Span later = t.spans().stream().filter(s -> s.stage() == 1 && s.kind() == SpanKind.FORWARD && s.microBatch() == 1)
                .findFirst().orElseThrow();
        for (Span s : comm) {
            assertEquals(later.endSeconds(), s.startSeconds(), 1e-15, "rank " + s.stage() + "'s AllReduce starts when rank 1 arrives");
            assertEquals(comm.get(0).endSeconds(), s.endSeconds(), 1e-15, "ends on both together");
            assertTrue(s.endSeconds() > s.startSeconds(), "4096 B over the cluster tier take time");
        }
    }

    @Test
    void receiveWaitsForTheSendOfThePassItFeeds() {
        Experiment e = experiment("{name: pp, pp: 2, schedule: 1f1b}");
        List<List<ExecutedEvent>> logs = List.of(
                List.of(f(0, 0, 1), ExecutedEvent.send(Pass.F, 0, 0, 0, 512, 1, 0)),
                List.of(ExecutedEvent.receive(Pass.F, 0, 0, 512, 0, 0), f(0, 2, 3)));
        Timeline t = ExecutedReplay.of(e, e.plans().get(0), logs);
        Span send = t.spans().stream().filter(s -> s.kind() == SpanKind.PP_SEND).findFirst().orElseThrow();
        Span first = t.spans().stream().filter(s -> s.stage() == 0 && s.kind() == SpanKind.FORWARD).findFirst().orElseThrow();
        Span second = t.spans().stream().filter(s -> s.stage() == 1 && s.kind() == SpanKind.FORWARD).findFirst().orElseThrow();
        assertEquals(first.endSeconds(), send.startSeconds(), 1e-15, "the send leaves when its pass is done");
        assertEquals(send.endSeconds(), second.startSeconds(), 1e-15, "stage 1's forward starts when the activation has arrived");

        List<List<ExecutedEvent>> unmatched = List.of(
                List.of(f(0, 0, 1), ExecutedEvent.send(Pass.F, 0, 0, 0, 512, 1, 0)),
                List.of(ExecutedEvent.receive(Pass.F, 1, 0, 512, 0, 0), f(1, 2, 3)));
        assertThrows(IllegalStateException.class, () -> ExecutedReplay.of(e, e.plans().get(0), unmatched),
                "a receive of micro-batch 1 matches no send of micro-batch 0");
    }
}

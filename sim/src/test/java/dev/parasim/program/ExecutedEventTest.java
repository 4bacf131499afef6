package dev.parasim.program;

import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.collective.CollectiveKind;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Executed events are typed and consistent: each kind names what the replay needs and nothing it must not. */
class ExecutedEventTest {

    @Test
    void sendsAndReceivesNameThePassTheyFeed() {
        ExecutedEvent send = ExecutedEvent.send(Pass.F, 3, 1, 2, 640, 5, 7);
        assertEquals(new PassRef(Pass.F, 3, 2), send.feeds(), "a wrapping interleaved send feeds the next chunk");
        assertEquals(1, send.chunk(), "sent from chunk 1");
        assertEquals("F3.2", send.label());
        ExecutedEvent receive = ExecutedEvent.receive(Pass.BW, 3, 1, 640, 4, 7);
        assertEquals(new PassRef(Pass.BW, 3, 1), receive.feeds());
        assertEquals(ExecutedEvent.Kind.RECV, receive.kind());
    }

    @Test
    void passesCollectivesAndTheOptimizerCarryTheirTypes() {
        ExecutedEvent w = ExecutedEvent.pass(Pass.W, "W2", 2, 0, 1, 3, 5e6, 0, "");
        assertEquals(ExecutedEvent.Kind.W, w.kind());
        assertEquals(Pass.W, w.pass());
        ExecutedEvent c = ExecutedEvent.collective(CollectiveKind.REDUCE_SCATTER, ExecutedEvent.Group.DP, "RingReduceScatter[DP]", 96, 3);
        assertEquals(CollectiveKind.REDUCE_SCATTER, c.collective());
        assertEquals(ExecutedEvent.Group.DP, c.group());
        assertThrows(IllegalStateException.class, c::feeds);
        assertEquals(ExecutedEvent.Kind.OPTIMIZER, ExecutedEvent.optimizer(0, 3, 1).kind());
    }

    @Test
    void inconsistentEventsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ExecutedEvent(ExecutedEvent.Kind.F, "F0", Pass.BW, 0, 0, -1, 0, 1,
                0, 1, -1, null, null, 0, ""), "an F event running BW");
        assertThrows(IllegalArgumentException.class, () -> new ExecutedEvent(ExecutedEvent.Kind.COLLECTIVE, "x", null, -1, -1, -1,
                -1, -1, 8, 0, -1, CollectiveKind.ALL_REDUCE, null, 0, ""), "a collective without its group");
        assertThrows(IllegalArgumentException.class, () -> new ExecutedEvent(ExecutedEvent.Kind.SEND, "F0", Pass.F, 0, 0, 0, -1, -1,
                8, 0, -1, null, null, 0, ""), "a send without its peer");
        assertThrows(IllegalArgumentException.class, () -> ExecutedEvent.send(Pass.F, 0, 0, 0, -1, 1, 0), "negative bytes");
    }
}

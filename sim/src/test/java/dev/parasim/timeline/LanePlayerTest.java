package dev.parasim.timeline;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The lane rules both timelines play by, on hand-timed lanes. */
class LanePlayerTest {

    @Test
    void aPassWaitsForItsLaneAndItsInput() {
        LanePlayer lanes = new LanePlayer(2);
        assertEquals(0.0, lanes.pass(0, 0, 2));        // 0 → 2
        assertEquals(2.0, lanes.pass(0, 1, 3));        // its lane is busy until 2: 2 → 5
        assertEquals(4.0, lanes.pass(1, 4, 1));        // its input arrives at 4: 4 → 5
        assertEquals(5.0, lanes.computeFree(0));
        assertEquals(5.0, lanes.computeFree(1));
    }

    @Test
    void sendsQueueOnTheLinkBehindEachOtherAndAfterTheCompute() {
        LanePlayer lanes = new LanePlayer(1);
        lanes.pass(0, 0, 1);                               // computes 0 → 1
        assertEquals(1.0, lanes.send(0, 4));               // 1 → 5
        lanes.pass(0, 0, 1);                               // 1 → 2: compute does not wait for the link
        assertEquals(5.0, lanes.send(0, 1));               // queued behind the first send: 5 → 6
        assertEquals(6.0, lanes.end(0));
        assertEquals(2.0, lanes.computeFree(0));
    }

    @Test
    void aBlockingCollectiveStartsAtTheLastArrivalAndHoldsComputeAndLink() {
        LanePlayer lanes = new LanePlayer(2);
        lanes.pass(0, 0, 3);
        lanes.send(1, 2);
        double start = Math.max(lanes.arrival(0, 0), lanes.arrival(1, 4));   // lane 1 received its input at 4
        assertEquals(4.0, start);
        lanes.hold(0, start + 1);
        lanes.hold(1, start + 1);
        assertEquals(5.0, lanes.pass(0, 0, 1));            // compute held until the collective ends
        assertEquals(5.0, lanes.send(1, 1));               // so is the link
    }

    @Test
    void runPlaysRoundRobinUntilDoneAndFailsOnADeadlock() {
        int[] left = {2, 3};
        int[] rounds = {0};
        LanePlayer.run(2, () -> left[0] + left[1] == 0, lane -> {
            if (lane == 0) rounds[0]++;
            if (left[lane] == 0) return false;
            left[lane]--;                                  // one item a visit
            return true;
        }, "deadlock");
        assertEquals(3, rounds[0]);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LanePlayer.run(2, () -> false, lane -> false, "no lane can play"));
        assertEquals("no lane can play", e.getMessage());
    }
}

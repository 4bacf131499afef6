package dev.parasim.exec;

import dev.parasim.collective.CollectiveKind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tagged point-to-point messages, as a pipeline's passes use them, on the in-process backend: a receiver waits
 * ({@link Op#ready}) until the tag it needs has arrived, keeps early messages of other tags in its mailbox, and
 * takes them in its own order whatever order they were sent in; a message left unread when its op ends is an error.
 */
class MailboxOrderTest {
    /** Rank 0 sends tag {@code order[k]} (payload 10·tag + 1, one fp64) in round k; rank 1 takes tags 0, 1, 2, … in order. */
    private record Tagged(int[] order, int taken) implements Op {
        @Override
        public boolean ready(RankState rank, int round) {
            return rank.rank() == 0 || round >= taken || rank.arrived(0, round);
        }

        @Override
        public boolean advance(RankState rank, int round) {
            if (rank.rank() == 0) {
                int tag = order[round];
                rank.sendTagged(1, CollectiveKind.SEND_RECV, tag, 8, out -> out.putDouble(10.0 * tag + 1));
                return round == order.length - 1;
            }
            if (round >= taken) return true;
            rank.buf("got").set(round, rank.poll(0, round).getDouble());
            return round == taken - 1;
        }
    }

    private static final class Program implements RankProgram {
        private static final long serialVersionUID = 1L;
        private final Op op;

        Program(Op op) { this.op = op; }

        @Override
        public void init(RankState rank) { rank.alloc("got", MemCategory.COMM_BUFFERS, Dtype.F64, 3); }

        @Override
        public List<Op> ops() { return List.of(op); }
    }

    private static double[] received(int ranksPerPartition, int[] order) {
        try (Backend backend = new InProcessBackend(new Topology(2, ranksPerPartition, 2, "nvlink", "ib"),
                new Program(new Tagged(order, order.length)))) {
            int supersteps = backend.runStep();
            // The receiver takes tag k one superstep after it arrived, and no earlier than its round k.
            int last = 0;
            for (int k = 0; k < order.length; k++) {
                int sentIn = 0;
                while (order[sentIn] != k) sentIn++;
                last = Math.max(last + 1, sentIn + 2);
            }
            assertEquals(last, supersteps, "supersteps until tag " + (order.length - 1) + " was taken");
            assertEquals(List.of(8L * order.length, 0L), backend.collect(r -> r.sentThisStep()), "bytes sent");
            return backend.collect(r -> r.buf("got").toDoubles(order.length)).get(1);
        }
    }

    @Test
    void receiverTakesTagsInItsOrderWhateverTheSendOrder() {
        for (int ranksPerPartition : new int[] {1, 2}) {
            assertArrayEquals(new double[] {1, 11, 21}, received(ranksPerPartition, new int[] {2, 0, 1}), "sent 2, 0, 1");
            assertArrayEquals(new double[] {1, 11, 21}, received(ranksPerPartition, new int[] {2, 1, 0}), "sent 2, 1, 0");
            assertArrayEquals(new double[] {1, 11, 21}, received(ranksPerPartition, new int[] {0, 1, 2}), "sent in order");
        }
    }

    @Test
    void aMessageLeftUnreadWhenItsOpEndsIsAnError() {
        // Tag 2 sent last arrives after the receiver's op ended; sent first, it waits in the mailbox when the op ends.
        for (int[] order : new int[][] {{0, 1, 2}, {2, 0, 1}})
            try (Backend backend = new InProcessBackend(new Topology(2, 1, 2, "nvlink", "ib"), new Program(new Tagged(order, 2)))) {
                IllegalStateException e = assertThrows(IllegalStateException.class, backend::runStep);
                assertTrue(e.getMessage().contains("from 0 for op 0 round 2") && e.getMessage().contains("unread"), e.getMessage());
            }
    }
}

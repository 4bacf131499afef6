package dev.parasim.exec;

import java.io.Serializable;

/**
 * One operation of a rank's step program. A local op finishes in its first call; a collective runs
 * one communication round per call: it takes the messages of the previous round from the rank's
 * inbox and sends the next round's. Every rank of a group finishes an op in the same round, so the
 * ranks stay in lockstep and a message always arrives while its op is in progress at the receiver.
 */
public interface Op extends Serializable {
    /** Runs call {@code round} (0 on the first call) on {@code rank}; {@return true when the op is complete} */
    boolean advance(RankState rank, int round);

    /**
     * {@return whether call {@code round} can run now}: false while a message it reads has not arrived
     * (a group member is behind, e.g. still in an earlier pipeline pass). Lockstep ops are always ready.
     */
    default boolean ready(RankState rank, int round) { return true; }

    /** {@return whether the rank logs this op as one {@link ExecEvent.Kind#COLLECTIVE} event when it completes} */
    default boolean loggedAsCollective() { return rounds(2) > 0; }

    /** {@return communication rounds this op takes in a group of n ranks (0 for local ops)} */
    default int rounds(int n) { return 0; }
}

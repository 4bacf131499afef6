package dev.parasim.exec;

import dev.parasim.collective.CollectiveKind;
import dev.parasim.program.ExecutedEvent;
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

    /**
     * {@return the collective this op runs, or null for local ops and pipeline drivers}: a collective is logged as one
     * {@link ExecutedEvent.Kind#COLLECTIVE} event when it completes
     */
    default CollectiveKind collective() { return null; }

    /** {@return the group a collective runs on} */
    default RankGrid.Group group() { return RankGrid.Group.DP; }

    /** {@return the event of collective {@code op} once it completed, having sent {@code bytes} from this rank} */
    static ExecutedEvent completed(Op op, long bytes, int superstep) {
        return ExecutedEvent.collective(op.collective(), ExecutedEvent.Group.valueOf(op.group().name()), op.toString(), bytes, superstep);
    }

    /** {@return communication rounds this op takes in a group of n ranks (0 for local ops)} */
    default int rounds(int n) { return 0; }
}

package dev.parasim.exec;

import java.io.Serializable;
import java.util.List;

/** What every rank runs: how a rank's buffers start, and the ops of one step (the same for each step). */
public interface RankProgram extends Serializable {
    /** Allocates and fills the persistent buffers of {@code rank} before the first step. */
    void init(RankState rank);

    /** {@return the ops of one step, in program order} */
    List<Op> ops();

    /** {@return supersteps one step takes in a group of n ranks: 1 + the rounds of every op} */
    default int supersteps(int n) {
        int total = 1;
        for (Op op : ops()) total += op.rounds(n);
        return total;
    }
}

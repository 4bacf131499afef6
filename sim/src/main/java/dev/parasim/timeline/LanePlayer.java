package dev.parasim.timeline;

import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;

/**
 * The lane rules every timeline is played by, stated once: the step program's ({@link PipelineSimulator}, a lane per
 * stage) and the executed log's ({@link ExecutedReplay}, a lane per rank). Each lane has a compute clock and a comm
 * clock (its one link):
 * <ul>
 * <li>a pass starts when the lane's compute is free and its input has arrived, and holds the compute until it ends;</li>
 * <li>a send starts when what the lane has computed so far is done and its earlier sends have left the link (sends
 *     queue), and holds the link until it ends; the matching receive completes then;</li>
 * <li>a blocking collective starts when its last member arrives (its compute and link free, its input received) and
 *     holds every member's compute and link until it ends.</li>
 * </ul>
 * {@link #run} plays the lanes round-robin, each as far as it can go, until all are done, and fails on a deadlock.
 * The sweeps' {@link FastReplay} is the same play compiled for one fixed shape (bit for bit, as its tests hold).
 */
final class LanePlayer {
    private final double[] compute, comm;

    LanePlayer(int lanes) {
        compute = new double[lanes];
        comm = new double[lanes];
    }

    /** {@return the start of a pass of {@code seconds} on {@code lane} whose input arrives at {@code ready}} */
    double pass(int lane, double ready, double seconds) {
        double start = Math.max(compute[lane], ready);
        compute[lane] = start + seconds;
        return start;
    }

    /** {@return the start of a send of {@code seconds} from {@code lane} of what it has computed so far, behind its earlier sends} */
    double send(int lane, double seconds) {
        double start = Math.max(compute[lane], comm[lane]);
        comm[lane] = start + seconds;
        return start;
    }

    /** {@return when {@code lane} reaches a blocking collective whose input arrives at {@code ready}} */
    double arrival(int lane, double ready) {
        return Math.max(Math.max(compute[lane], comm[lane]), ready);
    }

    /** Holds {@code lane}'s compute and link until {@code end}, a blocking collective's. */
    void hold(int lane, double end) {
        compute[lane] = end;
        comm[lane] = end;
    }

    /** {@return when {@code lane}'s compute is next free} */
    double computeFree(int lane) {
        return compute[lane];
    }

    /** {@return when {@code lane} is done with both its compute and its link} */
    double end(int lane) {
        return Math.max(compute[lane], comm[lane]);
    }

    /** {@return every lane's compute clock} */
    double[] computeClocks() {
        return compute.clone();
    }

    /**
     * Plays {@code lanes} lanes round-robin until {@code done}: {@code advance} plays a lane's next items as far as
     * they can go and tells whether it played anything; a round in which no lane can play fails with {@code deadlock}.
     */
    static void run(int lanes, BooleanSupplier done, IntPredicate advance, String deadlock) {
        while (!done.getAsBoolean()) {
            boolean progress = false;
            for (int lane = 0; lane < lanes; lane++) progress |= advance.test(lane);
            if (!progress) throw new IllegalStateException(deadlock);
        }
    }
}

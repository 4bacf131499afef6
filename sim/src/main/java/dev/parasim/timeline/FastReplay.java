package dev.parasim.timeline;

import dev.parasim.program.schedule.CompiledOrder;
import dev.parasim.program.schedule.Pass;

/**
 * The same play as {@link PipelineSimulator} over a {@link CompiledOrder} and per-(stage, chunk) cost tables,
 * without building spans or allocating per pass: what sweeps use to time millions of steps. The passes
 * come already sorted so that each one's input has been produced, so the play is one pass over them:
 * a pass starts at max(its stage is free, its input has arrived), and its output queues on its stage's
 * link behind earlier sends. Each stage sees its own passes in its own order, so the times are those
 * of the span-recording play, bit for bit.
 */
final class FastReplay {
    private FastReplay() {}

    /**
     * Per stage: end of the pipeline phase, compute and exposed seconds (null when not asked for), and the last
     * weight-gradient pass.
     */
    record Result(double[] pipelineEnd, double[] compute, double[] exposed, double[] lastBackwardStart,
                  double[] lastBackwardEnd) {}

    /**
     * {@return index of a pass kind's compute seconds in a flat cost table}: per stage and chunk ({@code slot = stage · v +
     * chunk}) three rows of one entry per pass kind, compute, exposed communication and the send of its output to its
     * consumer, so a pass's exposed seconds are at {@code compute(slot, pass) + passes} and its send at {@code + 2 · passes}
     */
    static int compute(int slot, int pass) {
        return 3 * slot * Pass.values().length + pass;
    }

    /** {@return the play over a flat cost table ({@link #compute}), with its per-stage totals} */
    static Result play(CompiledOrder o, double[] costs) {
        return play(o, costs, new Scratch(), true);
    }

    /**
     * The arrays a play works in, grown to the largest order seen and reused from play to play: a sweep task plays
     * thousands of orders and would otherwise allocate them per play. Not thread-safe.
     */
    static final class Scratch {
        private double[] delivered = new double[0], duration = new double[0], sendOf = new double[0];
        private double[] free = new double[0], link = new double[0], begins = new double[0];

        private void fit(CompiledOrder o) {
            if (delivered.length <= o.size()) delivered = new double[o.size() + 1];
            // Only odd op codes (a consumed output) get a send, so the even entries stay 0 from play to play.
            if (sendOf.length < o.codes()) {
                sendOf = new double[o.codes()];
                duration = new double[o.codes() >>> 1];
            }
            int p = o.stages();
            if (free.length < p) {
                free = new double[p];
                link = new double[p];
                begins = new double[2 * p];
            } else {
                java.util.Arrays.fill(free, 0, p, 0);
                java.util.Arrays.fill(link, 0, p, 0);
                java.util.Arrays.fill(begins, 0, 2 * p, 0);
            }
        }
    }

    /**
     * The same, in {@code scratch}'s arrays. Without {@code totals} the per-stage compute and exposed sums are left out (a
     * sweep needs only the step's times).
     * <p>
     * Without a branch that depends on the times, so that the wavefront order's independent passes overlap: the output
     * of pass i reaches its consumer at {@code delivered[i + 1]}, and {@code delivered[0] = 0} stands for "no input to
     * wait for" (every time is at least 0); a pass whose output nobody consumes sends nothing ({@code sendOf} 0), and
     * queueing it behind the stage's link changes no later send (a stage's passes end in order, so the link then holds a
     * time no later pass starts before).
     */
    static Result play(CompiledOrder o, double[] costs, Scratch scratch, boolean totals) {
        int p = o.stages(), v = o.chunks(), passes = Pass.values().length;
        scratch.fit(o);
        // Per stage, chunk and pass kind, indexed as op codes index them: duration, and the send (0 when not consumed).
        double[] duration = scratch.duration, sendOf = scratch.sendOf;
        for (int s = 0; s < p; s++)
            for (int chunk = 0; chunk < v; chunk++)
                for (int k = 0; k < passes; k++) {
                    int c = compute(s * v + chunk, k), at = (chunk << o.stageBits() | s) * passes + k;
                    duration[at] = costs[c] + costs[c + passes];
                    sendOf[at << 1 | 1] = costs[c + 2 * passes];
                }
        char[] op = o.op();
        int[] dependency = o.dependency();
        int stageMask = (1 << o.stageBits()) - 1;
        double[] delivered = scratch.delivered;
        delivered[0] = 0;
        // begins[stage · 2 + 1]: when the stage's latest weight-gradient pass began (begins[stage · 2], other passes).
        double[] free = scratch.free, link = scratch.link, begins = scratch.begins;
        for (int i = 0; i < op.length; i++) {
            int code = op[i], s = code >>> 3 & stageMask, at = code >>> 1;
            double begin = Math.max(free[s], delivered[dependency[i] + 1]), end = begin + duration[at];
            begins[s << 1 | code >>> 2 & 1] = begin;   // bit 1 of the pass ordinal: a weight-gradient pass
            free[s] = end;
            double sent = Math.max(link[s], end) + sendOf[code];
            link[s] = sent;
            delivered[i + 1] = sent;
        }
        double[] lastStart = new double[p], lastEnd = new double[p];
        for (int s = 0; s < p; s++) {
            lastStart[s] = begins[2 * s + 1];
            lastEnd[s] = lastStart[s] + duration[op[o.lastBackward()[s]] >>> 1];   // as the loop added it
        }
        double[] pipelineEnd = java.util.Arrays.copyOf(free, p);
        if (!totals) return new Result(pipelineEnd, null, null, lastStart, lastEnd);
        // Each stage's sums in its own pass order, as the span-recording play adds them.
        double[] busy = new double[p], hidden = new double[p];
        for (int code : op) {
            int s = code >>> 3 & stageMask, c = compute(s * v + (code >>> 3 + o.stageBits()), code >>> 1 & 3);
            busy[s] += costs[c];
            hidden[s] += costs[c + passes];
        }
        return new Result(pipelineEnd, busy, hidden, lastStart, lastEnd);
    }
}

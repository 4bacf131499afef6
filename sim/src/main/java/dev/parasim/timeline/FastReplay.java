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

    /** Per stage: end of the pipeline phase, compute and exposed seconds, and the last weight-gradient pass. */
    record Result(double[] pipelineEnd, double[] compute, double[] exposed, double[] lastBackwardStart,
                  double[] lastBackwardEnd) {}

    /**
     * @param compute [stage · v + chunk][pass ordinal] compute seconds of one pass
     * @param exposed [stage · v + chunk][pass ordinal] exposed communication seconds of one pass
     * @param send    [stage · v + chunk][pass ordinal] seconds to send that pass's output to its consumer
     */
    static Result play(CompiledOrder o, double[][] compute, double[][] exposed, double[][] send) {
        return play(o, compute, exposed, send, new double[o.size()]);
    }

    /**
     * The same, with {@code delivered} (at least {@link CompiledOrder#size} long, contents ignored) as the
     * per-pass scratch: a sweep task reuses one instead of allocating megabytes per play.
     */
    static Result play(CompiledOrder o, double[][] compute, double[][] exposed, double[][] send, double[] delivered) {
        int p = o.stages(), v = o.chunks(), slots = p * v, passes = Pass.values().length;
        // Per stage, chunk and pass kind, flattened: the pass's duration, its compute and exposed parts, its send.
        double[] duration = new double[slots * passes], busyOf = new double[slots * passes],
                hiddenOf = new double[slots * passes], sendOf = new double[slots * passes];
        int[] stageOf = new int[slots];
        for (int slot = 0; slot < slots; slot++) {
            stageOf[slot] = slot / v;
            for (int k = 0; k < passes; k++) {
                duration[slot * passes + k] = compute[slot][k] + exposed[slot][k];
                busyOf[slot * passes + k] = compute[slot][k];
                hiddenOf[slot * passes + k] = exposed[slot][k];
                sendOf[slot * passes + k] = send[slot][k];
            }
        }
        int[] op = o.op(), dependency = o.dependency();
        // delivered[i]: when pass i's output reached its consumer (written before any pass reads it).
        double[] free = new double[p], link = new double[p], busy = new double[p], hidden = new double[p];
        double[] lastStart = new double[p], lastEnd = new double[p];
        int bw = Pass.BW.ordinal(), w = Pass.W.ordinal();
        for (int i = 0; i < op.length; i++) {
            int code = op[i], slot = code >>> 3, s = stageOf[slot], pass = (code >>> 1) & 3, at = slot * passes + pass;
            int dep = dependency[i];
            double begin = free[s];
            if (dep >= 0 && delivered[dep] > begin) begin = delivered[dep];
            double end = begin + duration[at];
            free[s] = end;
            busy[s] += busyOf[at];
            hidden[s] += hiddenOf[at];
            if (pass == bw || pass == w) {
                lastStart[s] = begin;
                lastEnd[s] = end;
            }
            if ((code & 1) != 0) {
                double sent = (link[s] > end ? link[s] : end) + sendOf[at];
                link[s] = sent;
                delivered[i] = sent;
            }
        }
        return new Result(free, busy, hidden, lastStart, lastEnd);
    }
}

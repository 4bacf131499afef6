package dev.parasim.timeline;

import dev.parasim.program.CompiledOrder;
import dev.parasim.program.Pass;

import java.util.Arrays;

/**
 * The same play as {@link PipelineSimulator} over a {@link CompiledOrder} and per-stage cost tables,
 * without building spans or allocating per pass: what sweeps use to time millions of steps.
 */
final class FastReplay {
    private FastReplay() {}

    /** Per stage: end of the pipeline phase, compute and exposed seconds, and the last weight-gradient pass. */
    record Result(double[] pipelineEnd, double[] compute, double[] exposed, double[] lastBackwardStart,
                  double[] lastBackwardEnd) {}

    /**
     * @param compute [stage][pass ordinal] compute seconds of one pass
     * @param exposed [stage][pass ordinal] exposed communication seconds of one pass
     * @param send    [stage][pass ordinal] seconds to send that pass's output to its consumer
     */
    static Result play(CompiledOrder o, double[][] compute, double[][] exposed, double[][] send) {
        int p = o.stages();
        double[] end = new double[o.slots()], delivered = new double[o.slots()];
        Arrays.fill(end, Double.NaN);
        Arrays.fill(delivered, Double.NaN);
        int[] next = new int[p];
        double[] stageFree = new double[p], commFree = new double[p], busy = new double[p], hidden = new double[p];
        double[] lastStart = new double[p], lastEnd = new double[p];
        int remaining = 0;
        for (int s = 0; s < p; s++) remaining += o.pass()[s].length;
        int bw = Pass.BW.ordinal(), w = Pass.W.ordinal();
        while (remaining > 0) {
            boolean progress = false;
            for (int s = 0; s < p; s++) {
                int[] passes = o.pass()[s], slots = o.slot()[s], deps = o.dependency()[s], consumers = o.consumer()[s];
                boolean[] local = o.dependencyLocal()[s];
                int i = next[s];
                while (i < passes.length) {
                    int dep = deps[i];
                    double ready = 0;
                    if (dep >= 0) {
                        ready = local[i] ? end[dep] : delivered[dep];
                        if (Double.isNaN(ready)) break;
                    }
                    int pass = passes[i];
                    double start = Math.max(stageFree[s], ready);
                    double finish = start + (compute[s][pass] + exposed[s][pass]);
                    end[slots[i]] = finish;
                    stageFree[s] = finish;
                    busy[s] += compute[s][pass];
                    hidden[s] += exposed[s][pass];
                    if (pass == bw || pass == w) {
                        lastStart[s] = start;
                        lastEnd[s] = finish;
                    }
                    if (consumers[i] >= 0) {
                        double sendEnd = Math.max(finish, commFree[s]) + send[s][pass];
                        commFree[s] = sendEnd;
                        delivered[slots[i]] = sendEnd;
                    }
                    i++;
                    remaining--;
                    progress = true;
                }
                next[s] = i;
            }
            if (!progress) throw new IllegalStateException("pipeline order deadlocks: no stage can run its next pass");
        }
        return new Result(stageFree, busy, hidden, lastStart, lastEnd);
    }
}

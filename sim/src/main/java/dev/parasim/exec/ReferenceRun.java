package dev.parasim.exec;

import java.util.ArrayList;
import java.util.List;

/**
 * The single-rank run every executed plan is compared with: the whole global batch on one rank, as M
 * = dp·m micro-batches (global micro-batch j = sequences [j·b, (j+1)·b)), gradients summed and divided
 * by M once, then Adam over all parameters, with the same storage types as the executed run.
 *
 * @param losses per step, the mean of the M micro-batch mean losses
 * @param params final working parameters per unit
 */
public record ReferenceRun(List<Double> losses, double[][] params) {

    public static ReferenceRun run(ExecModel model, PrecisionMode precision, int globalMicroBatches, int microBatch,
                                   long seed, double learningRate, int steps) {
        int units = model.units();
        Buf[] p = new Buf[units], g = new Buf[units], w = new Buf[units], m = new Buf[units], v = new Buf[units];
        for (int u = 0; u < units; u++) {
            int n = model.unitSize(u);
            double[] init = model.initUnit(u, seed);
            p[u] = Buf.of(precision.working(), n, init);
            g[u] = new Buf(precision.working(), n);
            if (precision.hasMaster()) w[u] = Buf.of(precision.state(), n, init);
            m[u] = new Buf(precision.state(), n);
            v[u] = new Buf(precision.state(), n);
        }
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            double loss = 0;
            for (int j = 0; j < globalMicroBatches; j++)
                loss += MicroBatch.run(model, model.begin(step, j, microBatch, precision.fp64Compute()), p, g, null);
            losses.add(loss / globalMicroBatches);
            for (int u = 0; u < units; u++) {
                int n = model.unitSize(u);
                Buf target = precision.hasMaster() ? w[u] : p[u];
                AdamUpdate.apply(target, 0, m[u], v[u], g[u], 0, n, 1.0 / globalMicroBatches, learningRate, step + 1);
                if (precision.hasMaster()) p[u].copyFrom(w[u], 0, 0, n);
                g[u].fill(0);
            }
        }
        double[][] params = new double[units][];
        for (int u = 0; u < units; u++) params[u] = p[u].toDoubles(model.unitSize(u));
        return new ReferenceRun(List.copyOf(losses), params);
    }

    /**
     * {@return max over elements of |a − b| / max(|b|, floor)}: the relative difference, with an absolute
     * floor so that parameters that are (near) zero do not divide by zero.
     */
    public static double maxRelativeDiff(double[][] a, double[][] b, double floor) {
        double worst = 0;
        for (int u = 0; u < b.length; u++)
            for (int i = 0; i < b[u].length; i++)
                worst = Math.max(worst, Math.abs(a[u][i] - b[u][i]) / Math.max(Math.abs(b[u][i]), floor));
        return worst;
    }
}

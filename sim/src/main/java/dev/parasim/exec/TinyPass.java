package dev.parasim.exec;

import java.io.Serializable;

/** The forward/backward pass of {@link TinyTiedModel} over one micro-batch (rows = sequences · seqLen). */
final class TinyPass implements ExecModel.Pass, Serializable {
    private static final long serialVersionUID = 1L;
    private final TinyTiedModel m;
    private final int[] tokens, targets;
    private final boolean fp64;
    private final int rows, h;
    private final double[][] xs;      // xs[u] = output of unit u
    private double[] probs;           // softmax of the head
    private double[] dx;              // gradient flowing backwards

    TinyPass(TinyTiedModel m, int[] tokens, int[] targets, boolean fp64) {
        this.m = m;
        this.tokens = tokens;
        this.targets = targets;
        this.fp64 = fp64;
        this.rows = tokens.length;
        this.h = m.hidden();
        this.xs = new double[m.units()][];
    }

    private double r(double v) { return fp64 ? v : (float) v; }

    @Override
    public void forward(int u, double[] p) {
        double[] y = new double[rows * h];
        if (u == 0) {
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < h; j++)
                    y[i * h + j] = r(p[tokens[i] * h + j] + p[(m.vocab() + i % m.seqLen()) * h + j]);
        } else if (u == m.layers() + 1) {
            double[] x = xs[u - 1];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < h; j++) y[i * h + j] = r(x[i * h + j] * p[j] + p[h + j]);
        } else {
            double[] x = xs[u - 1];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < h; j++) {
                    double z = p[h * h + j];
                    for (int k = 0; k < h; k++) z += x[i * h + k] * p[k * h + j];
                    y[i * h + j] = r(x[i * h + j] + Math.tanh(z));
                }
        }
        xs[u] = y;
    }

    @Override
    public double headForward(double[] e) {
        double[] x = xs[m.layers() + 1];
        int v = m.vocab();
        probs = new double[rows * v];
        double loss = 0;
        for (int i = 0; i < rows; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < v; c++) {
                double z = 0;
                for (int j = 0; j < h; j++) z += x[i * h + j] * e[c * h + j];
                probs[i * v + c] = z;
                max = Math.max(max, z);
            }
            double sum = 0;
            for (int c = 0; c < v; c++) sum += probs[i * v + c] = Math.exp(probs[i * v + c] - max);
            for (int c = 0; c < v; c++) probs[i * v + c] = r(probs[i * v + c] / sum);
            loss -= Math.log(probs[i * v + targets[i]]);
        }
        return r(loss / rows);
    }

    @Override
    public void headBackward(double[] e, double[] ge) {
        double[] x = xs[m.layers() + 1];
        int v = m.vocab();
        dx = new double[rows * h];
        for (int i = 0; i < rows; i++)
            for (int c = 0; c < v; c++) {
                double dz = r((probs[i * v + c] - (c == targets[i] ? 1 : 0)) / rows);
                for (int j = 0; j < h; j++) {
                    ge[c * h + j] += dz * x[i * h + j];
                    dx[i * h + j] += dz * e[c * h + j];
                }
            }
        probs = null;
    }

    @Override
    public void backward(int u, double[] p, double[] g) {
        double[] dy = dx;
        if (u == 0) {
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < h; j++) {
                    g[tokens[i] * h + j] += dy[i * h + j];
                    g[(m.vocab() + i % m.seqLen()) * h + j] += dy[i * h + j];
                }
            dx = null;
        } else if (u == m.layers() + 1) {
            double[] x = xs[u - 1];
            dx = new double[rows * h];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < h; j++) {
                    g[j] += dy[i * h + j] * x[i * h + j];
                    g[h + j] += dy[i * h + j];
                    dx[i * h + j] = r(dy[i * h + j] * p[j]);
                }
        } else {
            double[] x = xs[u - 1], y = xs[u];
            dx = new double[rows * h];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < h; j++) {
                    double t = y[i * h + j] - x[i * h + j];
                    double dz = dy[i * h + j] * (1 - t * t);
                    g[h * h + j] += dz;
                    for (int k = 0; k < h; k++) {
                        g[k * h + j] += x[i * h + k] * dz;
                        dx[i * h + k] += dz * p[k * h + j];
                    }
                }
            for (int i = 0; i < rows * h; i++) dx[i] = r(dx[i] + dy[i]);
        }
        xs[u] = null;
    }

    @Override
    public long activationBytes() {
        long elements = 0;
        for (double[] x : xs) if (x != null) elements += x.length;
        if (probs != null) elements += probs.length;
        if (dx != null) elements += dx.length;
        return elements * (fp64 ? 8 : 4);
    }
}

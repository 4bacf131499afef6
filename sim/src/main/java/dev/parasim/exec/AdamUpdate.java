package dev.parasim.exec;

/**
 * Adam (Kingma &amp; Ba 2015, Algorithm 1) applied in place to a range of a flat shard, with bias
 * correction; the gradient is scaled by {@code gradScale} first (1/(dp·m) turns the summed
 * micro-batch means into the global-batch mean). Arithmetic is done in double and every stored
 * value rounded to its buffer's type.
 */
public final class AdamUpdate {
    public static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;

    private AdamUpdate() {}

    /**
     * Updates {@code count} elements: param[pFrom+i], m[i], v[i] from grad[gFrom+i], at optimizer
     * step {@code t} (1-based).
     */
    public static void apply(Buf param, int pFrom, Buf m, Buf v, Buf grad, int gFrom, int count, double gradScale,
                             double lr, int t) {
        double bc1 = 1 - Math.pow(BETA1, t);
        double bc2 = 1 - Math.pow(BETA2, t);
        for (int i = 0; i < count; i++) {
            double g = param.type().round(grad.get(gFrom + i) * gradScale);
            m.set(i, BETA1 * m.get(i) + (1 - BETA1) * g);
            v.set(i, BETA2 * v.get(i) + (1 - BETA2) * g * g);
            double update = lr * (m.get(i) / bc1) / (Math.sqrt(v.get(i) / bc2) + EPS);
            param.set(pFrom + i, param.get(pFrom + i) - update);
        }
    }
}

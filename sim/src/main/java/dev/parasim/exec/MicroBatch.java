package dev.parasim.exec;

/**
 * One micro-batch's forward and backward over full (gathered) parameters, adding each unit's
 * gradient into a target buffer as soon as it is produced. Used by DDP, ZeRO-1/2 and the
 * single-rank reference, so all of them compute exactly the same numbers per micro-batch.
 */
final class MicroBatch {
    private MicroBatch() {}

    /** {@return the micro-batch's mean loss}; activation bytes are metered on {@code rank} if not null. */
    public static double run(ExecModel model, ExecModel.Pass pass, Buf[] params, Buf[] grads, RankState rank) {
        int units = model.units();
        double[][] p = new double[units][];
        for (int u = 0; u < units; u++) p[u] = params[u].toDoubles(model.unitSize(u));
        long metered = 0;
        for (int u = 0; u < units; u++) {
            pass.forward(u, p[u]);
            metered = meter(rank, pass, metered);
        }
        double loss = pass.headForward(p[0]);
        metered = meter(rank, pass, metered);
        double[] g0 = new double[model.unitSize(0)];
        pass.headBackward(p[0], g0);
        addInto(grads[0], g0);
        for (int u = units - 1; u >= 0; u--) {
            double[] g = new double[model.unitSize(u)];
            pass.backward(u, u == 0 ? null : p[u], g);
            addInto(grads[u], g);
            metered = meter(rank, pass, metered);
        }
        metered = meter(rank, pass, metered);
        if (rank != null) rank.meter(MemCategory.ACTIVATIONS, -metered);
        return loss;
    }

    static long meter(RankState rank, ExecModel.Pass pass, long metered) {
        long now = pass.activationBytes();
        if (rank != null) rank.meter(MemCategory.ACTIVATIONS, now - metered);
        return now;
    }

    /** Adds {@code g} into the first g.length elements of {@code target} in the target's arithmetic. */
    public static void addInto(Buf target, double[] g) {
        for (int i = 0; i < g.length; i++) target.add(i, g[i]);
    }
}

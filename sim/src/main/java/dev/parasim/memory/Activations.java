package dev.parasim.memory;

import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.Recompute;

/**
 * Activation memory (Korthikanti et al. 2022, arXiv:2205.05198, Table 2), generalised to GQA and
 * SwiGLU and to context parallelism, and the number of layer-activations each pipeline schedule keeps
 * in flight.
 */
public final class Activations {
    private Activations() {}

    /**
     * {@return bytes one layer stores for one micro-batch on one GPU, 16-bit activations}:
     * s·b·[10h/(t if SP) + (4h + 4·kvWidth + mlp)/t] + 5·a·s²·b/t, where the MLP term is 4f for GeLU
     * (16h when f = 4h, giving Korthikanti's 34 + 5as/h) and 6f for SwiGLU. Selective recompute drops the
     * 5as²b/t score term; full recompute keeps only the layer input, 2·s·b·h (/t with SP).
     */
    public static double perLayer(ModelSpec m, ParallelPlan plan, int microBatch, Recompute recompute) {
        double t = plan.tp(), c = plan.cp();
        double sLocal = (double) m.seqLen() / c;
        double sb = sLocal * microBatch;
        double h = m.hidden();
        double replicatedDivisor = plan.sequenceParallel() ? t : 1;
        if (recompute == Recompute.FULL) return 2 * sb * h / replicatedDivisor;
        double mlp = (m.mlp() == MlpKind.SWIGLU ? 6.0 : 4.0) * m.ffnHidden();
        double linear = sb * (10 * h / replicatedDivisor + (4 * h + 4.0 * m.kvWidth() + mlp) / t);
        double scores = recompute == Recompute.SELECTIVE ? 0 : 5.0 * m.heads() * sLocal * m.seqLen() * microBatch / t;
        return linear + scores;
    }

    /**
     * {@return layer-activations (in units of one layer for one micro-batch) stage {@code stage} holds at its peak}:
     * GPipe m·L/p; 1F1B and ZB-H1 min(m, p − stage)·L/p (first stage: L); interleaved
     * min(m·v, 2(p − stage − 1) + (v − 1)·p + 1) chunks of L/(p·v) layers (first stage: L·(1 + (p−1)/(p·v))).
     */
    public static double layersInFlight(ModelSpec m, ParallelPlan plan, int microBatches, int stage) {
        int p = plan.pp(), v = plan.chunks();
        double layersPerStage = (double) m.layers() / p;
        if (p == 1) return layersPerStage;
        return switch (plan.schedule()) {
            case GPIPE -> microBatches * layersPerStage;
            case ONE_F_ONE_B, ZB_H1 -> Math.min(microBatches, p - stage) * layersPerStage;
            case INTERLEAVED -> Math.min((double) microBatches * v, 2.0 * (p - stage - 1) + (v - 1) * p + 1)
                    * layersPerStage / v;
        };
    }

    /** {@return activation bytes stage {@code stage} holds at its peak, scaled from 16-bit to the precision's width} */
    public static double stageBytes(ModelSpec m, ParallelPlan plan, int microBatch, int microBatches, Recompute recompute,
                                    int activationBytes, int stage) {
        return perLayer(m, plan, microBatch, recompute) * layersInFlight(m, plan, microBatches, stage)
                * activationBytes / 2.0;
    }
}

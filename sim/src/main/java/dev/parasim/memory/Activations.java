package dev.parasim.memory;

import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
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
     * {@return bytes one layer saves for one micro-batch when the model has no dropout, as the executed GPT
     * (exec.model) saves them}: Korthikanti et al. 2022 eq. (1) without its dropout masks and dropout output
     * (32·s·b·h + 2·a·s²·b at 2 B becomes s·b·(8h + 2f) + a·s²·b elements), plus the two LayerNorms' mean and
     * 1/σ (4·s·b elements, which the paper neglects), at {@code elementBytes} each; no TP, SP or recompute.
     */
    public static long perLayerWithoutDropout(ModelSpec m, int microBatch, int elementBytes) {
        long sb = (long) m.seqLen() * microBatch;
        return elementBytes * (sb * (8L * m.hidden() + 2L * m.ffnHidden()) + (long) m.heads() * m.seqLen() * sb + 4 * sb);
    }

    /**
     * {@return bytes one layer keeps from ZB-H1's B to its W for one micro-batch, as the executed GPT keeps them}:
     * the four linear layers' inputs and output gradients, s·b·(8h + 2f) elements (Qi et al. 2024, arXiv:2401.10241
     * §2: M_W = 32·s·b·h at 2 B when f = 4h), plus both LayerNorms' x̂ and output gradients for γ and β (4·s·b·h,
     * which Qi et al. neglect), at {@code elementBytes} each; no TP, SP or recompute.
     */
    public static long weightGradInputsPerLayer(ModelSpec m, int microBatch, int elementBytes) {
        long sb = (long) m.seqLen() * microBatch;
        return elementBytes * sb * (12L * m.hidden() + 2L * m.ffnHidden());
    }

    /**
     * {@return micro-batches stage {@code stage} holds between their B and W when the most of them await their B}:
     * under ZB-H1 (program.ZeroBubble's order, m ≥ p) min(p − 1, m − p + stage), 0 under the other schedules. Between
     * passes the stage then holds at most {@link #heldBetweenPasses} of its M_B and M_W.
     */
    public static int weightGradsPendingAtPeak(ParallelPlan plan, int microBatches, int stage) {
        if (plan.schedule() != PipelineSchedule.ZB_H1 || plan.pp() == 1) return 0;
        return Math.min(plan.pp() - 1, microBatches - plan.pp() + stage);
    }

    /**
     * {@return the most bytes a stage holds between passes}, given one micro-batch's M_B (forward to B) and M_W
     * (B to W), A micro-batches awaiting their B at the peak and C awaiting their W then: ZB-H1's order passes
     * through A·M_B + C·M_W and, one B later, (A − 1)·M_B + (C + 1)·M_W, and never holds more than the larger
     * (checked against every order with 2 ≤ p ≤ 8, p ≤ m ≤ 4p); A·M_B when M_W = 0 (no deferred W's)
     */
    public static long heldBetweenPasses(long perMicroBatchB, long perMicroBatchW, int awaitingB, int awaitingW) {
        return (awaitingB - 1) * perMicroBatchB + awaitingW * perMicroBatchW + Math.max(perMicroBatchB, perMicroBatchW);
    }

    /**
     * {@return layer-activations (in units of one layer for one micro-batch) stage {@code stage} holds at its peak}:
     * GPipe m·L/p; 1F1B and ZB-H1 min(m, p − stage)·L/p (first stage: L); interleaved
     * min(m·v, 2(p − stage − 1) + (v − 1)·p + 1) chunks of L/(p·v) layers (first stage: L·(1 + (p−1)/(p·v))),
     * all m·v chunks when m = p (Megatron's all-warm-up case).
     */
    public static double layersInFlight(ModelSpec m, ParallelPlan plan, int microBatches, int stage) {
        int p = plan.pp(), v = plan.chunks();
        double layersPerStage = (double) m.layers() / p;
        if (p == 1) return layersPerStage;
        return switch (plan.schedule()) {
            case GPIPE -> microBatches * layersPerStage;
            case ONE_F_ONE_B, ZB_H1 -> Math.min(microBatches, p - stage) * layersPerStage;
            // Megatron runs every forward first when m = p (all warm-up), as program.PipelineOrder does.
            case INTERLEAVED -> (microBatches == p ? (double) microBatches * v
                    : Math.min((double) microBatches * v, 2.0 * (p - stage - 1) + (v - 1) * p + 1)) * layersPerStage / v;
        };
    }

    /** {@return activation bytes stage {@code stage} holds at its peak, scaled from 16-bit to the precision's width} */
    public static double stageBytes(ModelSpec m, ParallelPlan plan, int microBatch, int microBatches, Recompute recompute,
                                    int activationBytes, int stage) {
        return perLayer(m, plan, microBatch, recompute) * layersInFlight(m, plan, microBatches, stage)
                * activationBytes / 2.0;
    }
}

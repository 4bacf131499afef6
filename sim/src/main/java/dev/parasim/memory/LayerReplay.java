package dev.parasim.memory;

import dev.parasim.program.schedule.PipelineOrder;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.Recompute;

/**
 * Full recompute's transient: a backward runs each layer forward again before its backward, so while it does the layer
 * holds its whole set of saved tensors again on top of what the stage keeps. Korthikanti et al. 2022 (arXiv:2205.05198
 * §4.3) count full recompute as the layers' inputs alone, 2·s·b·h·L at 2 B; the replayed layer comes on top of that.
 * A BW peaks at its first replay (the chunk's last layer): only the head (on the last virtual stage) has been freed
 * before it, and each later replay follows a layer's backward that freed the layer's input and everything it replayed.
 * ZB-H1's B keeps each layer's weight-gradient inputs (M_W share) for its W, more than the input it frees, so it peaks
 * at its last replay (the chunk's first layer), with the other layers' M_W shares (and the head's) already kept.
 * The executor replays the same way ({@code exec.ExecModel.Pass#recompute}), and its peaks are these.
 */
public final class LayerReplay {
    private LayerReplay() {}

    /**
     * {@return the bytes a replayed layer adds over the input it kept}: one micro-batch's {@link Activations#perLayer} and
     * {@link Activations#normStatistics} without recompute, less its full-recompute {@code perLayer} (the kept input)
     */
    public static double replayBytes(ModelSpec m, ParallelPlan plan, int microBatch, int activationBytes) {
        return Activations.perLayer(m, plan, microBatch, Recompute.NONE, activationBytes)
                + Activations.normStatistics(m, plan, microBatch, Recompute.NONE)
                - Activations.perLayer(m, plan, microBatch, Recompute.FULL, activationBytes);
    }

    /**
     * {@return the most stage {@code stage} holds while a backward replays a layer under full recompute}: over the
     * moments before each B or BW ({@link PipelineOrder#passStarts}; one stage runs 1F1B), the chunks awaiting their B
     * (M_B each, {@link Activations#chunkBytes}) and, under ZB-H1, their W (M_W, {@link Activations#chunkWeightGradBytes}),
     * less what the pass frees before its first replay — on the last virtual stage the head's edge terms
     * ({@link Activations#headEdges}: the softmax, the final norm's output and statistics) — plus {@link #replayBytes}; a
     * B (ZB-H1) also what it
     * keeps for its W before its last replay ({@link #keptBeforeLastReplay}); with
     * {@code receivedGradient}, plus the output gradient the pass received (b·s·h, every virtual stage but the last),
     * which a pass run whole holds until it ends
     */
    static double whileReplaying(ModelSpec m, ParallelPlan plan, int microBatch, int microBatches, int activationBytes,
                                 int stage, boolean receivedGradient) {
        int p = plan.pp(), v = plan.chunks(), last = p * v - 1;
        PipelineSchedule schedule = p == 1 ? PipelineSchedule.ONE_F_ONE_B : plan.schedule();
        boolean zb = schedule == PipelineSchedule.ZB_H1;
        double[] mB = new double[v], mW = new double[v];
        for (int c = 0; c < v; c++) {
            mB[c] = Activations.chunkBytes(m, plan, microBatch, Recompute.FULL, activationBytes, c * p + stage);
            mW[c] = zb ? Activations.chunkWeightGradBytes(m, plan, microBatch, activationBytes, c * p + stage) : 0;
        }
        double gradient = activationBytes * ((double) m.seqLen() / plan.cp() * microBatch) * m.hidden(), peak = 0;
        double[] replay = new double[v];
        for (int c = 0; c < v; c++) replay[c] = transientBytes(m, plan, microBatch, activationBytes, c * p + stage, zb);
        for (int[] start : PipelineOrder.passStarts(schedule, p, microBatches, v).get(stage)) {
            if (start[2 * v + 1] != 1) continue;   // only before a B or BW
            int c = start[2 * v], virtual = c * p + stage;
            double held = 0;
            for (int i = 0; i < v; i++) held += start[i] * mB[i] + start[v + i] * mW[i];
            peak = Math.max(peak, held + replay[c] + (receivedGradient && virtual < last ? gradient : 0));
        }
        return peak;
    }

    /**
     * {@return the most a B or BW of virtual stage {@code virtual} holds, while it replays a layer, beyond what the stage
     * held when it began}: {@link #replayBytes}, less what it freed before (on the last virtual stage every edge term but
     * the chunk's output and the embedding's dropout mask: {@link Activations#headEdges}), and for ZB-H1's B ({@code split})
     * plus {@link #keptBeforeLastReplay}. The step program allocates it for the pass's replays
     * ({@code program.ModelWorkGenerator}).
     */
    public static double transientBytes(ModelSpec m, ParallelPlan plan, int microBatch, int activationBytes, int virtual,
                                        boolean split) {
        double freed = virtual == plan.pp() * plan.chunks() - 1 ? Activations.headEdges(m, plan, microBatch, activationBytes) : 0;
        return replayBytes(m, plan, microBatch, activationBytes) - freed
                + (split ? keptBeforeLastReplay(m, plan, microBatch, activationBytes, virtual) : 0);
    }

    /**
     * {@return what ZB-H1's B of virtual stage {@code virtual} has kept for its W, less the layer inputs it freed, when it
     * replays its chunk's first layer}: the head's M_W share on the last virtual stage ({@link Activations#weightGradEdges}),
     * and for each of the chunk's other layers its {@link Activations#weightGradInputsPerLayer} less its kept input
     * (never negative: with a single layer, or were a layer's M_W share the smaller, the first replay peaks)
     */
    static double keptBeforeLastReplay(ModelSpec m, ParallelPlan plan, int microBatch, int activationBytes, int virtual) {
        double perLayer = Activations.weightGradInputsPerLayer(m, plan, microBatch, activationBytes)
                - Activations.perLayer(m, plan, microBatch, Recompute.FULL, activationBytes);
        int layers = dev.parasim.workload.StageSplit.of(m, plan).layers(virtual);
        return Activations.weightGradEdges(m, plan, microBatch, activationBytes, virtual) + (layers - 1) * Math.max(0, perLayer);
    }

    /**
     * {@return what a layer's backward holds beyond its kept share through its phases}: under full recompute its
     * {@link #replayBytes}, and in ZB-H1's B ({@code split}) what the B has kept for its W by its last replay
     * ({@link #keptBeforeLastReplay}: charged at every layer, it peaks where the walk holds most, the chunk's first
     * replay, at the last replay's true value); under CP ring attention's backward blocks ({@link ContextParallelRing})
     */
    static double heldInLayerBackward(dev.parasim.spec.Experiment e, ParallelPlan plan, int virtual, boolean split) {
        ModelSpec m = e.model();
        int b = e.training().microBatch(), aB = e.training().precision().activationBytes();
        double held = ContextParallelRing.backward(m, plan, b, aB);
        if (e.training().recompute() != Recompute.FULL) return held;
        return held + replayBytes(m, plan, b, aB) + (split ? keptBeforeLastReplay(m, plan, b, aB, virtual) : 0);
    }
}

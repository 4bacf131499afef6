package dev.parasim.memory;

import dev.parasim.collective.Chunking;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.Optimizer;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.Precision;
import dev.parasim.spec.ZeroStage;
import dev.parasim.workload.Parameters;

import java.util.ArrayList;
import java.util.List;

/**
 * Memory per GPU by component for a plan, on every pipeline stage; the worst stage is the answer.
 * Model states follow ZeRO (Rajbhandari et al. 2020 §5): stage 1 shards the optimizer state, stage 2
 * also the gradients, stage 3 also the parameters, over the data-parallel group (dp·cp ranks); under expert
 * parallelism a rank holds E/ep of each MoE layer's experts, sharded over their dp·cp/ep replicas.
 * Sharded buffers are padded per unit to a multiple of the group size, as the executor pads them.
 * Activations are {@link Activations#stageBytes}, the last stage's fp32 softmax included; the transient
 * communication buffers held at the peak beyond them are {@link Buffers#atPeak}.
 */
public final class MemoryModel {
    private MemoryModel() {}

    public static MemoryBreakdown of(Experiment e, ParallelPlan plan) {
        Long[] perStage = new Long[plan.pp()];
        for (int stage = 0; stage < plan.pp(); stage++) perStage[stage] = activationBytes(e, plan, stage);
        List<Long> activations = List.of(perStage);   // immutable: the breakdown keeps it without a copy
        // The worst stage's breakdown only: a sweep asks this of every plan, on up to a hundred stages.
        int worst = -1;
        long worstPeak = 0, worstOther = 0;
        ModelStates worstStates = null;
        for (int stage = 0; stage < plan.pp(); stage++) {
            ModelStates states = modelStates(e, plan, stage);
            long other = otherBytes(e, plan, stage, perStage[stage]);
            long peak = states.total() + perStage[stage] + other;   // as MemoryBreakdown.peakBytes adds them
            if (worst < 0 || peak > worstPeak) {
                worst = stage;
                worstPeak = peak;
                worstOther = other;
                worstStates = states;
            }
        }
        return breakdown(e, worstStates, worst, worstOther, activations);
    }

    /** {@return the memory of one rank of pipeline stage {@code stage}} */
    public static MemoryBreakdown ofStage(Experiment e, ParallelPlan plan, int stage) {
        List<Long> activations = new ArrayList<>();
        for (int s = 0; s < plan.pp(); s++) activations.add(activationBytes(e, plan, s));
        return stage(e, plan, stage, activations);
    }

    /** {@return the activation bytes stage {@code stage} holds at its peak ({@link Activations#stageBytes}), rounded} */
    public static long activationBytes(Experiment e, ParallelPlan plan, int stage) {
        return Math.round(Activations.stageBytes(e.model(), plan, e.training().microBatch(), e.microBatches(plan),
                e.training().recompute(), e.training().precision().activationBytes(), stage));
    }

    /**
     * {@return the most activation bytes stage {@code stage} holds between passes, rounded}: {@link #activationBytes}
     * except under full recompute, whose peak is inside a backward, while it replays a layer
     */
    public static long activationBytesBetweenPasses(Experiment e, ParallelPlan plan, int stage) {
        return Math.round(Activations.betweenPasses(e.model(), plan, e.training().microBatch(), e.microBatches(plan),
                e.training().recompute(), e.training().precision().activationBytes(), stage));
    }

    /** {@return the buffer bytes stage {@code stage} holds in its data-parallel sync, when it holds no activations} */
    public static long syncBufferBytes(Experiment e, ParallelPlan plan, int stage) {
        return Buffers.inSync(e, plan, stage);
    }

    /** {@return the persistent parameter, gradient and optimizer bytes of one rank of {@code stage}} */
    public static ModelStates modelStates(Experiment e, ParallelPlan plan, int stage) {
        Precision precision = e.training().precision();
        Optimizer optimizer = e.training().optimizer();
        ModelStates d = modelStates(Parameters.stageDenseUnits(e.model(), plan, stage), plan.dp() * plan.cp(), plan.zero(),
                precision, optimizer);
        if (plan.ep() == 1) return d;
        // Expert parallelism: the rank's experts are sharded over their dp·cp/ep replicas, the rest over dp·cp.
        ModelStates x = modelStates(Parameters.stageExpertUnits(e.model(), plan, stage), plan.edp(), plan.zero(), precision, optimizer);
        return new ModelStates(d.paramsBytes() + x.paramsBytes(), d.gradsBytes() + x.gradsBytes(), d.optimizerBytes() + x.optimizerBytes());
    }

    private static MemoryBreakdown stage(Experiment e, ParallelPlan plan, int stage, List<Long> activationsByStage) {
        ModelStates states = modelStates(e, plan, stage);
        return breakdown(e, states, stage, otherBytes(e, plan, stage, activationsByStage.get(stage)), activationsByStage);
    }

    private static MemoryBreakdown breakdown(Experiment e, ModelStates states, int stage, long other, List<Long> activationsByStage) {
        return new MemoryBreakdown(states.paramsBytes(), states.gradsBytes(), states.optimizerBytes(),
                activationsByStage.get(stage), other, e.cluster().gpu().memoryBytes(), stage, activationsByStage);
    }

    /** Persistent parameter, gradient and optimizer bytes for a rank holding {@code units} in a group of n. */
    public static ModelStates modelStates(long[] units, int n, ZeroStage zero, Precision precision, Optimizer optimizer) {
        long full = Parameters.sum(units);
        long shard = 0;
        for (long u : units) shard += Chunking.shard(u, n);
        long paddedFull = shard * n;
        long k = precision.optimizerBytesPerParam(optimizer);
        long params = switch (zero) {
            case DDP -> full;
            case OPTIMIZER, GRADIENTS -> paddedFull;
            case PARAMETERS -> shard;
        };
        long grads = switch (zero) {
            case DDP -> full;
            case OPTIMIZER -> paddedFull;
            case GRADIENTS, PARAMETERS -> shard;
        };
        long optimizerBytes = zero == ZeroStage.DDP ? full * k : shard * k;
        return new ModelStates(params * precision.paramBytes(), grads * precision.gradBytes(), optimizerBytes);
    }

    /** {@return the communication buffers stage {@code stage} holds at its peak beyond its {@code activations}: {@link Buffers#atPeak}} */
    public static long otherBytes(Experiment e, ParallelPlan plan, int stage, long activations) {
        return Buffers.atPeak(e, plan, stage, activations);
    }

    /** Parameter, gradient and optimizer bytes of one rank. */
    public record ModelStates(long paramsBytes, long gradsBytes, long optimizerBytes) {
        public long total() { return paramsBytes + gradsBytes + optimizerBytes; }
    }
}

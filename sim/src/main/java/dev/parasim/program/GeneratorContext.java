package dev.parasim.program;

import dev.parasim.program.schedule.Dependencies;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.program.schedule.PipelineOrder;
import dev.parasim.plan.RankLayout;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.Precision;
import dev.parasim.workload.Parameters;
import dev.parasim.workload.StageSplit;

/**
 * What a generator knows about the stage it writes for. Placement comes from {@code plan.RankLayout} alone and
 * the stage's units from {@code workload.Parameters.stageUnits} alone: the embedding (first stage), the stage's
 * layers chunk after chunk (as many per chunk as {@code workload.StageSplit} gives it), the final norm with the head
 * (last stage).
 */
record GeneratorContext(Experiment e, ParallelPlan plan, RankLayout layout, int stage, int microBatches,
                        PipelineSchedule schedule) {

    ModelSpec model() { return e.model(); }

    Precision precision() { return e.training().precision(); }

    int p() { return plan.pp(); }

    int v() { return plan.chunks(); }

    boolean first() { return stage == 0; }

    boolean last() { return stage == plan.pp() - 1; }

    /** {@return the stage's units, in model-state elements} */
    long[] units() { return Parameters.stageUnits(model(), plan, stage); }

    /** {@return the experts' share of each unit under expert parallelism ({@link Parameters#stageExpertUnits}), else 0s} */
    long[] expertUnits() { return Parameters.stageExpertUnits(model(), plan, stage); }

    /** {@return the plan's split of the layers over its virtual stages} */
    StageSplit split() { return StageSplit.of(model(), plan); }

    /** {@return layers of chunk {@code c} of this stage (the plan's {@link StageSplit})} */
    int layers(int c) { return split().chunkLayers(stage, c); }

    /** {@return whether chunk {@code c} holds the embedding (the model's first virtual stage)} */
    boolean embeddingChunk(int c) { return first() && c == 0; }

    /** {@return whether chunk {@code c} holds the final norm and head (the model's last virtual stage)} */
    boolean headChunk(int c) { return last() && c == v() - 1; }

    /** {@return the stage-local unit index of chunk {@code c}'s first unit} */
    int firstUnit(int c) {
        if (c == 0) return 0;
        return (first() ? 1 : 0) + layersBefore(c);
    }

    /** {@return the stage-local unit index of chunk {@code c}'s last unit} */
    int lastUnit(int c) {
        return (first() ? 1 : 0) + layersBefore(c + 1) - 1 + (headChunk(c) ? 1 : 0);
    }

    /** {@return layers of this stage's chunks before chunk {@code c}} */
    private int layersBefore(int c) {
        StageSplit split = split();
        int sum = 0;
        for (int k = 0; k < c; k++) sum += split.chunkLayers(stage, k);
        return sum;
    }

    /** {@return the virtual stage chunk {@code c} of this stage is (Megatron: chunk·p + stage)} */
    int virtualStage(int c) { return c * plan.pp() + stage; }

    /** {@return tokens of one micro-batch on one rank: b·s/cp} */
    long tokens() { return (long) e.training().microBatch() * (model().seqLen() / plan.cp()); }

    /** {@return the pass that computes input gradients: B when the schedule splits the backward, else BW} */
    Pass inputGradientPass() { return schedule == PipelineSchedule.ZB_H1 ? Pass.B : Pass.BW; }

    /** {@return the pass that computes weight gradients: W when the schedule splits the backward, else BW} */
    Pass weightGradientPass() { return schedule == PipelineSchedule.ZB_H1 ? Pass.W : Pass.BW; }

    /** {@return whether ZeRO shards the gradients, which are then reduce-scattered after every micro-batch (ZeRO-2/3)} */
    boolean shardsGradients() { return plan.zero().shardsGradients(); }
}

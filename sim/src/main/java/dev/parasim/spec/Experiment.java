package dev.parasim.spec;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * One experiment: a model, a cluster, training settings and the plans to compare. Construction
 * checks every cross-field rule, so a built experiment is trusted everywhere downstream.
 */
public record Experiment(String name, ModelSpec model, ClusterSpec cluster, TrainingSpec training,
                         List<ParallelPlan> plans, Optional<ExecuteSpec> execute) {

    public Experiment {
        Check.fileName("name", name);
        long tokens = (long) training.globalBatch() * model.seqLen();
        if (tokens > Limits.MAX_TOKENS_PER_STEP)
            throw new SpecException("training.globalBatch", "globalBatch·model.seqLen (tokens per step) must be at most "
                    + Limits.MAX_TOKENS_PER_STEP, tokens);
        plans = List.copyOf(plans);
        if (plans.isEmpty()) throw new SpecException("plans", "must not be empty", plans);
        var names = new HashSet<String>();
        for (int i = 0; i < plans.size(); i++) {
            ParallelPlan plan = plans.get(i);
            String at = "plans[" + i + "]";
            if (!names.add(plan.name())) throw new SpecException(at + ".name", "must be unique", plan.name());
            checkPlan(at, plan, model, cluster, training);
        }
        // A plan's charts and traces are named after it, some with a suffix: no name may be another's plus a suffix.
        for (int i = 0; i < plans.size(); i++)
            for (String suffix : FILE_SUFFIXES) {
                String plan = plans.get(i).name();
                if (plan.endsWith(suffix) && names.contains(plan.substring(0, plan.length() - suffix.length())))
                    throw new SpecException("plans[" + i + "].name", "must not be another plan's name followed by "
                            + String.join(" or ", FILE_SUFFIXES) + " (their chart and trace files would be the same)", plan);
            }
        execute = execute == null ? Optional.empty() : execute;
        if (execute.isPresent() && execute.get().fp64() && training.precision() != Precision.FP32)
            throw new SpecException("execute.fp64", "needs training.precision fp32 (precision is " + training.precision() + ")", true);
    }

    /** Suffixes the report puts after a plan's name in its file names (the start of a Gantt chart, the executed run). */
    public static final List<String> FILE_SUFFIXES = List.of("-start", "-executed");

    /** Checks every rule that ties a plan to a model, cluster and training settings; {@code at} prefixes the paths. */
    public static void checkPlan(String at, ParallelPlan plan, ModelSpec model, ClusterSpec cluster, TrainingSpec training) {
        if (model.heads() % plan.tp() != 0)
            throw new SpecException(at + ".tp", "must divide model.heads (" + model.heads() + ")", plan.tp());
        // tp > kvHeads replicates K/V heads (Megatron), which needs tp to be a multiple of kvHeads.
        if (model.kvHeads() % plan.tp() != 0 && plan.tp() % model.kvHeads() != 0)
            throw new SpecException(at + ".tp", "must divide model.kvHeads (" + model.kvHeads() + ") or be a multiple of it", plan.tp());
        if (model.ffnHidden() % plan.tp() != 0)
            throw new SpecException(at + ".tp", "must divide model.ffnHidden (" + model.ffnHidden() + ")", plan.tp());
        if (plan.pp() > model.layers())
            throw new SpecException(at + ".pp", "must not exceed model.layers (" + model.layers() + ")", plan.pp());
        long ppChunks = (long) plan.pp() * plan.chunks();
        // pp·chunks need not divide the layers (workload.StageSplit splits them), but every virtual stage needs one.
        if (ppChunks > model.layers())
            throw new SpecException(at + ".chunks", "pp·chunks must not exceed model.layers (" + model.layers() + ")", ppChunks);
        if (!plan.stageLayers().isEmpty()) {
            long sum = 0;
            for (int layers : plan.stageLayers()) sum += layers;
            if (sum != model.layers())
                throw new SpecException(at + ".stageLayers", "must sum to model.layers (" + model.layers() + ")", sum);
        }
        if (plan.ep() > 1) {
            if (!model.isMoe()) throw new SpecException(at + ".ep", "needs a mixture-of-experts model (model.moe)", plan.ep());
            if (model.moe().experts() % plan.ep() != 0)
                throw new SpecException(at + ".ep", "must divide model.moe.experts (" + model.moe().experts() + ")", plan.ep());
            if (plan.tp() > 1)
                throw new SpecException(at + ".tp", "must be 1 under expert parallelism (experts split over TP as well are "
                        + "not modelled)", plan.tp());
            if (training.zeroGathers() == ZeroGathers.TENSORS)
                throw new SpecException(at + ".ep", "needs training.zeroGathers units (per-tensor gathers of split experts "
                        + "are not modelled)", plan.ep());
        }
        if (model.seqLen() % plan.cp() != 0)
            throw new SpecException(at + ".cp", "must divide model.seqLen (" + model.seqLen() + ")", plan.cp());
        if (plan.sequenceParallel() && model.seqLen() % (plan.tp() * plan.cp()) != 0)
            throw new SpecException(at + ".sequenceParallel", "needs tp·cp to divide model.seqLen (" + model.seqLen() + ")", true);
        if (plan.world() != cluster.gpus())
            throw new SpecException(at, "dp·tp·pp·cp must equal the cluster's GPU count (" + cluster.gpus() + ")",
                    plan.dp() + "·" + plan.tp() + "·" + plan.pp() + "·" + plan.cp() + " = " + plan.world());
        long perStep = (long) training.microBatch() * plan.dp();
        if (training.globalBatch() % perStep != 0)
            throw new SpecException("training.globalBatch",
                    "must be divisible by microBatch·dp (" + perStep + ") of " + at, training.globalBatch());
        int m = (int) (training.globalBatch() / perStep);
        long passes = m * ppChunks;
        if (passes > Limits.MAX_PIPELINE_PASSES)
            throw new SpecException(at, "micro-batches per step·pp·chunks must be at most " + Limits.MAX_PIPELINE_PASSES,
                    m + "·" + plan.pp() + "·" + plan.chunks() + " = " + passes);
        if (plan.schedule() == PipelineSchedule.INTERLEAVED && m % plan.pp() != 0)
            throw new SpecException(at + ".schedule",
                    "interleaved needs micro-batches per step (" + m + ") to be a multiple of pp (" + plan.pp() + ")",
                    plan.schedule().label());
        if ((plan.schedule() == PipelineSchedule.ONE_F_ONE_B || plan.schedule() == PipelineSchedule.ZB_H1)
                && plan.pp() > 1 && m < plan.pp())
            throw new SpecException(at + ".schedule",
                    plan.schedule().label() + " needs at least pp (" + plan.pp() + ") micro-batches per step", m);
    }

    /** {@return micro-batches per optimizer step for {@code plan}: gbs / (mbs · dp)} */
    public int microBatches(ParallelPlan plan) {
        return (int) (training.globalBatch() / ((long) training.microBatch() * plan.dp()));
    }
}

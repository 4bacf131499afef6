package dev.parasim.exec;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.SpecException;

/**
 * What the executor can run. Models are limited to {@value #MAX_PARAMETERS} parameters: every rank
 * keeps real fp32/bf16 copies of params, grads and Adam state in one JVM per executor, and the
 * single-rank reference runs on the driver. Executed: any dp × tp × pp — data parallelism with any ZeRO
 * stage (DDP, ZeRO-1/2/3), pipeline parallelism (GPipe, 1F1B, interleaved, ZB-H1) and Megatron tensor
 * parallelism with or without sequence parallelism, each composed with the others; cp = 1. The executed GPT
 * has no dropout, computes eager attention and recomputes nothing, so the model must say {@code dropout: false}
 * and {@code attention: eager} (the default) and the training
 * {@code recompute: none}: the accountant then predicts the activations the executor holds.
 * The plan's own rules (pp·chunks divides the layers, interleaved needs m a multiple of pp, …) are
 * checked when the experiment is loaded, before any Spark job.
 */
public final class ExecLimits {
    public static final long MAX_PARAMETERS = 20_000_000L;

    private ExecLimits() {}

    /** Rejects, with a {@link SpecException} naming the field, what the executor cannot run. */
    public static void check(Experiment e, ParallelPlan plan, long parameters) {
        String at = "plans[" + Math.max(0, e.plans().indexOf(plan)) + "]";
        if (e.execute().isEmpty())
            throw new SpecException("execute", "is required to run plans (execute: {steps, seed})", null);
        if (plan.cp() != 1)
            throw new SpecException(at + ".cp", "executed runs support only cp = 1", plan.cp());
        if (parameters > MAX_PARAMETERS)
            throw new SpecException("model", "executed models must have at most " + MAX_PARAMETERS + " parameters", parameters);
        if (e.model().dropout())
            throw new SpecException("model.dropout", "executed models have no dropout (set it false)", true);
        if (e.model().flashAttention())
            throw new SpecException("model.attention", "the executed GPT computes eager attention (set it eager)", e.model().attention());
        if (e.training().recompute() != Recompute.NONE)
            throw new SpecException("training.recompute", "executed runs keep every activation (none)", e.training().recompute());
    }
}

package dev.parasim.exec;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.Precision;
import dev.parasim.spec.CrossEntropy;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.SpecException;

/**
 * What the executor can run. Models are limited to {@value #MAX_PARAMETERS} parameters: every rank
 * keeps real fp32/bf16 copies of params, grads and Adam state in one JVM per executor, and the
 * single-rank reference runs on the driver. Work is bounded too: at most {@value #MAX_RANKS} ranks,
 * {@value #MAX_STEPS} steps, sequences of {@value #MAX_SEQ_LEN} tokens and {@value #MAX_PIPELINE_PASSES}
 * micro-batch passes (micro-batches · pp · chunks, which set the supersteps) per step. Executed: any dp × tp × pp — data parallelism with any ZeRO
 * stage (DDP, ZeRO-1/2/3), pipeline parallelism (GPipe, 1F1B, interleaved, ZB-H1) and Megatron tensor
 * parallelism with or without sequence parallelism, each composed with the others; cp = 1. The executed GPT
 * computes eager attention, so the model must say {@code attention: eager} (the default); without TP it may drop out
 * ({@code dropout: true}, p = 0.1 after the embedding, on the attention probabilities and on both residual branches,
 * {@code exec.model.Dropout}) and replay whole layers ({@code recompute: full}) besides keeping every activation
 * ({@code recompute: none}): the accountant then predicts the activations the executor holds.
 * Pipeline stages may be uneven: each virtual stage runs the layers {@code workload.StageSplit} gives it (the plan's
 * {@code stageLayers}, else the default split), as the accountant predicts. The plan's own rules (interleaved needs m a multiple of pp, …) are
 * checked when the experiment is loaded, before any Spark job.
 */
public final class ExecLimits {
    public static final long MAX_PARAMETERS = 20_000_000L;
    public static final int MAX_RANKS = 64;
    public static final int MAX_STEPS = 1_000;
    public static final int MAX_SEQ_LEN = 2_048;
    public static final int MAX_PIPELINE_PASSES = 4_096;

    private ExecLimits() {}

    /**
     * Rejects what the executor does not run: a {@link NotExecutable} naming the field, after the model's shape
     * (GeLU MLP, tied embeddings, multi-head attention) and precision (fp32, bf16-mixed), then the size limits;
     * a run without an {@code execute} block is a {@link SpecException}.
     */
    public static void check(Experiment e, ParallelPlan plan) {
        requireExecute(e);
        if (e.model().mlp() != MlpKind.GELU)
            throw new NotExecutable("model.mlp", "executed models must be gelu", e.model().mlp());
        if (!e.model().tiedEmbeddings())
            throw new NotExecutable("model.tiedEmbeddings", "executed models must tie embeddings", false);
        if (e.model().kvHeads() != e.model().heads())
            throw new NotExecutable("model.kvHeads", "executed models must equal model.heads (" + e.model().heads() + ")",
                    e.model().kvHeads());
        if (e.training().precision() == Precision.FP8_MIXED)
            throw new NotExecutable("training.precision", "executed runs support fp32 and bf16-mixed", e.training().precision().label());
        check(e, plan, ExecModels.parameters(e.model()));
    }

    /** {@link #check(Experiment, ParallelPlan)} for a model of {@code parameters} parameters. */
    public static void check(Experiment e, ParallelPlan plan, long parameters) {
        requireExecute(e);
        String at = "plans[" + Math.max(0, e.plans().indexOf(plan)) + "]";
        if (plan.cp() != 1)
            throw new NotExecutable(at + ".cp", "executed runs support only cp = 1", plan.cp());
        if (plan.world() > MAX_RANKS)
            throw new NotExecutable(at, "executed runs have at most " + MAX_RANKS + " ranks (dp·tp·pp·cp)", plan.world());
        if (e.execute().get().steps() > MAX_STEPS)
            throw new NotExecutable("execute.steps", "must be at most " + MAX_STEPS, e.execute().get().steps());
        if (e.model().seqLen() > MAX_SEQ_LEN)
            throw new NotExecutable("model.seqLen", "executed models have at most " + MAX_SEQ_LEN + " tokens per sequence",
                    e.model().seqLen());
        long passes = (long) e.microBatches(plan) * plan.pp() * plan.chunks();
        if (passes > MAX_PIPELINE_PASSES)
            throw new NotExecutable(at, "executed runs play at most " + MAX_PIPELINE_PASSES + " micro-batches·pp·chunks per step",
                    passes);
        if (parameters > MAX_PARAMETERS)
            throw new NotExecutable("model", "executed models must have at most " + MAX_PARAMETERS + " parameters", parameters);
        if (e.model().isMoe())
            throw new NotExecutable("model.moe", "the executed GPT has dense MLPs (leave moe out)", e.model().moe().experts() + " experts");
        if (e.model().dropout() && plan.tp() > 1)
            throw new NotExecutable(at + ".tp", "executed dropout runs without tensor parallelism (tp = 1)", plan.tp());
        if (e.model().flashAttention())
            throw new NotExecutable("model.attention", "the executed GPT computes eager attention (set it eager)", e.model().attention());
        Recompute recompute = e.training().recompute();
        if (recompute != Recompute.NONE && recompute != Recompute.FULL)
            throw new NotExecutable("training.recompute", "executed runs keep every activation (none) or replay whole layers (full)",
                    recompute);
        if (recompute == Recompute.FULL && plan.tp() > 1)
            throw new NotExecutable(at + ".tp", "executed full recompute runs without tensor parallelism (tp = 1)", plan.tp());
        if (e.training().crossEntropy() != CrossEntropy.IN_PLACE)
            throw new NotExecutable("training.crossEntropy", "the executed GPT writes the logits' gradient over its softmax (in-place)",
                    e.training().crossEntropy());
    }

    private static void requireExecute(Experiment e) {
        if (e.execute().isEmpty())
            throw new SpecException("execute", "is required to run plans (execute: {steps, seed})", null);
    }
}

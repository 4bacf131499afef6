package dev.parasim.spec;

/**
 * How one experiment is laid over the cluster: degrees of data, tensor, pipeline and context
 * parallelism, the ZeRO stage of the data-parallel part and the pipeline schedule. Any ZeRO stage composes
 * with any tp and pp (ZeRO-3 with pipelines as PyTorch FSDP with pipeline stages, e.g. torchtitan, or
 * Megatron-core's FSDP; DeepSpeed's engine alone refuses ZeRO-2/3 with its pipeline).
 *
 * @param chunks virtual pipeline chunks per rank (v); more than 1 only with the interleaved schedule
 */
public record ParallelPlan(String name, int dp, int tp, int pp, int cp, ZeroStage zero, PipelineSchedule schedule,
                           int chunks, boolean sequenceParallel) {

    public ParallelPlan {
        Check.fileName("name", name);
        Check.atMost("dp", Check.positive("dp", dp), Limits.MAX_GPUS);
        Check.atMost("tp", Check.positive("tp", tp), Limits.MAX_GPUS);
        Check.atMost("pp", Check.positive("pp", pp), Limits.MAX_GPUS);
        Check.atMost("cp", Check.positive("cp", cp), Limits.MAX_GPUS);
        Check.atMost("chunks", Check.positive("chunks", chunks), Limits.MAX_GPUS);
        // Each factor is at most 2^20, so the product of the four fits a double exactly enough to compare.
        double world = (double) dp * tp * pp * cp;
        if (world > Limits.MAX_GPUS)
            throw new SpecException("", "dp·tp·pp·cp must be at most " + Limits.MAX_GPUS, dp + "·" + tp + "·" + pp + "·" + cp);
        if (zero == null) throw new SpecException("zero", "is required", null);
        if (schedule == null) throw new SpecException("schedule", "is required", null);
        if (chunks > 1 && schedule != PipelineSchedule.INTERLEAVED)
            throw new SpecException("chunks", "may exceed 1 only with schedule interleaved", chunks);
        if (schedule == PipelineSchedule.INTERLEAVED && pp == 1)
            throw new SpecException("schedule", "interleaved needs pp > 1", schedule.label());
        if (sequenceParallel && tp == 1)
            throw new SpecException("sequenceParallel", "needs tp > 1", true);
    }

    public int world() { return dp * tp * pp * cp; }

    /** {@return a copy with another ZeRO stage (for what-ifs and sweeps)} */
    public ParallelPlan withZero(ZeroStage stage) {
        return new ParallelPlan(name, dp, tp, pp, cp, stage, schedule, chunks, sequenceParallel);
    }
}

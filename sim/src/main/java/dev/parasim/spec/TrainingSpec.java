package dev.parasim.spec;

/**
 * Batch and precision settings shared by every plan of an experiment.
 *
 * @param globalBatch sequences per optimizer step
 * @param microBatch  sequences per micro-batch on one model replica
 * @param bucketMB    data-parallel gradient bucket size in MB (1e6 bytes), as DDP's bucket_cap_mb
 * @param tpCommOverlap whether tensor-parallel collectives overlap GEMMs (Megatron-Core --tp-comm-overlap)
 * @param zeroGathers how ZeRO-3 gathers and reduce-scatters are issued ({@link ZeroGathers}): per unit and
 *                    prefetched (FSDP, the default) or per tensor on demand (DeepSpeed ZeRO-3 of 2021)
 * @param recomputeEarlyStop whether a full recompute stops once it has rebuilt the last tensor the layer's backward
 *                    saved (PyTorch's non-reentrant checkpoint, as FSDP runs it: the layer's last GEMM is not replayed)
 *                    rather than replaying the whole forward (Megatron-LM's and DeepSpeed's checkpoint, the default)
 * @param gradReduceFp32 whether the data-parallel gradient collectives (all-reduce, reduce-scatter) move fp32 elements
 *                    whatever the precision's gradient width: FSDP's {@code MixedPrecision(reduce_dtype=float32)}, which
 *                    Composer's default FSDP mixed precision (llm-foundry's benchmarks) sets; false (the default): they
 *                    move {@link Precision#gradBytes()} per element, as Megatron-LM and DeepSpeed reduce bf16/fp16 gradients
 * @param crossEntropy how the cross-entropy's backward holds the logits' gradient ({@link CrossEntropy}): in place over
 *                    the kept softmax (Megatron-LM, the default) or beside it (PyTorch's {@code F.cross_entropy})
 */
public record TrainingSpec(int globalBatch, int microBatch, Precision precision, Optimizer optimizer,
                           Recompute recompute, double bucketMB, boolean tpCommOverlap, ZeroGathers zeroGathers,
                           boolean recomputeEarlyStop, boolean gradReduceFp32, CrossEntropy crossEntropy) {

    /** Settings whose cross-entropy writes its gradient in place ({@link CrossEntropy#IN_PLACE}). */
    public TrainingSpec(int globalBatch, int microBatch, Precision precision, Optimizer optimizer,
                        Recompute recompute, double bucketMB, boolean tpCommOverlap, ZeroGathers zeroGathers,
                        boolean recomputeEarlyStop, boolean gradReduceFp32) {
        this(globalBatch, microBatch, precision, optimizer, recompute, bucketMB, tpCommOverlap, zeroGathers, recomputeEarlyStop,
                gradReduceFp32, CrossEntropy.IN_PLACE);
    }

    /** Settings whose data-parallel gradient collectives move the precision's gradient width. */
    public TrainingSpec(int globalBatch, int microBatch, Precision precision, Optimizer optimizer,
                        Recompute recompute, double bucketMB, boolean tpCommOverlap, ZeroGathers zeroGathers,
                        boolean recomputeEarlyStop) {
        this(globalBatch, microBatch, precision, optimizer, recompute, bucketMB, tpCommOverlap, zeroGathers, recomputeEarlyStop,
                false);
    }

    /** Settings whose full recompute replays the whole forward. */
    public TrainingSpec(int globalBatch, int microBatch, Precision precision, Optimizer optimizer,
                        Recompute recompute, double bucketMB, boolean tpCommOverlap, ZeroGathers zeroGathers) {
        this(globalBatch, microBatch, precision, optimizer, recompute, bucketMB, tpCommOverlap, zeroGathers, false);
    }

    /** Settings with ZeRO-3 gathering per unit, prefetched ({@link ZeroGathers#UNITS}). */
    public TrainingSpec(int globalBatch, int microBatch, Precision precision, Optimizer optimizer,
                        Recompute recompute, double bucketMB, boolean tpCommOverlap) {
        this(globalBatch, microBatch, precision, optimizer, recompute, bucketMB, tpCommOverlap, ZeroGathers.UNITS);
    }

    public TrainingSpec {
        Check.atMost("globalBatch", Check.positive("globalBatch", globalBatch), Limits.MAX_GLOBAL_BATCH);
        Check.atMost("microBatch", Check.positive("microBatch", microBatch), Limits.MAX_GLOBAL_BATCH);
        if (precision == null) throw new SpecException("precision", "is required", null);
        if (optimizer == null) throw new SpecException("optimizer", "is required", null);
        if (recompute == null) throw new SpecException("recompute", "is required", null);
        if (zeroGathers == null) throw new SpecException("zeroGathers", "is required", null);
        if (crossEntropy == null) throw new SpecException("crossEntropy", "is required", null);
        Check.positive("bucketMB", bucketMB);
        if (bucketMB < Limits.MIN_BUCKET_MB) throw new SpecException("bucketMB", "must be at least " + Limits.MIN_BUCKET_MB, bucketMB);
    }

    public static final double DEFAULT_BUCKET_MB = 25;

    /** Bytes of an fp32 element: what a gradient collective moves per element when {@link #gradReduceFp32()}. */
    public static final int FP32_BYTES = 4;

    /** {@return bytes per element of a data-parallel gradient collective: 4 when {@link #gradReduceFp32()}, else the precision's gradient width} */
    public int gradReduceBytes() {
        return gradReduceFp32 ? FP32_BYTES : precision.gradBytes();
    }
}

package dev.parasim.exec;

import dev.parasim.spec.ExecuteSpec;
import dev.parasim.spec.Precision;
import dev.parasim.spec.SpecException;

/**
 * How an executed run stores and moves numbers. fp32: params, grads and Adam m, v in fp32, no master
 * copy (8 B/param of optimizer state). bf16-mixed: params and grads stored and communicated as 2-byte
 * bf16, an fp32 master copy beside fp32 m and v (12 B/param), compute on an fp32 upcast. fp64: every
 * buffer in fp64 (for exactness checks; byte counts then use 8-byte elements).
 */
public enum PrecisionMode {
    FP64(Dtype.F64, Dtype.F64, false),
    FP32(Dtype.F32, Dtype.F32, false),
    BF16_MIXED(Dtype.BF16, Dtype.F32, true);

    private final Dtype working;
    private final Dtype state;
    private final boolean master;

    PrecisionMode(Dtype working, Dtype state, boolean master) {
        this.working = working;
        this.state = state;
        this.master = master;
    }

    /** {@return the type of working parameters, gradients and every communicated tensor} */
    public Dtype working() { return working; }

    /** {@return the type of the optimizer state (master copy, m, v)} */
    public Dtype state() { return state; }

    /** {@return whether an fp32 master copy of the weights is kept beside the working copy} */
    public boolean hasMaster() { return master; }

    /** {@return whether the model computes in fp64 (else in fp32)} */
    public boolean fp64Compute() { return this == FP64; }

    /**
     * {@return the type of the model's arithmetic, F64 under fp64 and F32 otherwise}: the type of tensors that are
     * computed rather than stored as weights, such as the parallel cross-entropy's per-token statistics
     */
    public Dtype compute() { return fp64Compute() ? Dtype.F64 : Dtype.F32; }

    /** {@return the optimizer bytes per parameter: (master? 1 : 0) + m + v, times the state type} */
    public int optimizerBytesPerParam() { return state.bytes() * (master ? 3 : 2); }

    /** {@return the mode for a spec's precision and execute block} */
    public static PrecisionMode of(Precision precision, boolean fp64) {
        if (fp64) return FP64;
        return switch (precision) {
            case FP32 -> FP32;
            case BF16_MIXED -> BF16_MIXED;
            case FP8_MIXED -> throw new SpecException("training.precision",
                    "executed runs support fp32 and bf16-mixed", precision.label());
        };
    }

    /** {@return the mode of an experiment's training precision and {@code execute.fp64}} */
    public static PrecisionMode of(Precision precision, ExecuteSpec execute) {
        return of(precision, execute.fp64());
    }
}

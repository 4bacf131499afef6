package dev.parasim.exec.model;

import dev.parasim.spec.Precision;
import dev.parasim.spec.SpecException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The precision rules every executed strategy applies at the same points. fp32: weights and
 * gradients are the master values. bf16-mixed: fp32 master weights and Adam moments; each step
 * computes with the working copy bf16(master) (2 bytes stored and sent), activations and arithmetic
 * in fp32; each micro-batch's gradient is rounded to bf16 (the 2-byte gradient buffer) before it is
 * accumulated.
 */
final class MixedPrecision {
    private MixedPrecision() {}

    /** Rejects what the executor does not run: fp8, and bf16-mixed over DOUBLE arithmetic. */
    public static void requireExecutable(Precision precision, DataType dtype) {
        if (precision == Precision.FP8_MIXED)
            throw new SpecException("training.precision", "executed runs support fp32 or bf16-mixed", precision);
        if (precision == Precision.BF16_MIXED && dtype != DataType.FLOAT)
            throw new SpecException("dtype", "bf16-mixed runs compute in FLOAT", dtype);
    }

    /** {@return the weights a step computes with: master itself (fp32) or a new bf16-rounded copy} */
    public static INDArray workingCopy(INDArray master, Precision precision) {
        return switch (precision) {
            case FP32 -> master;
            case BF16_MIXED, FP8_MIXED -> Bf16.round(master);
        };
    }

    /** Rounds one micro-batch's gradient to what a 2-byte gradient buffer holds (no-op under fp32). */
    public static void roundGradient(INDArray microBatchGrad, Precision precision) {
        switch (precision) {
            case FP32 -> { }
            case BF16_MIXED, FP8_MIXED -> Bf16.roundInPlace(microBatchGrad);
        }
    }
}

package dev.parasim.validate;

/**
 * One published training run: the model shape, the parallel layout and the measured throughput.
 * {@code tflopsPerGpu} counts model FLOPs (MFU-style) unless the source says otherwise.
 */
public record PublishedRun(String model, int heads, int hidden, int layers, int vocab, int seqLen, int tp, int pp,
                           int dp, int gpus, int globalBatch, double tflopsPerGpu) {
}

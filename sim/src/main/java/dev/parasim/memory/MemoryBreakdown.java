package dev.parasim.memory;

import java.util.List;

/**
 * Bytes one GPU holds at its peak, by component, on the plan's worst rank (pipeline stage {@code stage}).
 * {@code activationsBytes} include the edge terms (the last stage's fp32 softmax among them, see
 * {@link Activations#edges}); {@code otherBytes} is the transient communication buffers held at the peak beyond the activations
 * ({@link Buffers#atPeak}). {@code activationsBytesByStage}
 * holds every stage's activation peak, which the executor measures per stage.
 */
public record MemoryBreakdown(long paramsBytes, long gradsBytes, long optimizerBytes, long activationsBytes,
                              long otherBytes, long capacityBytes, int stage, List<Long> activationsBytesByStage) {

    public MemoryBreakdown {
        activationsBytesByStage = List.copyOf(activationsBytesByStage);
    }

    public long modelStateBytes() { return paramsBytes + gradsBytes + optimizerBytes; }

    public long peakBytes() { return modelStateBytes() + activationsBytes + otherBytes; }

    public boolean fits() { return peakBytes() <= capacityBytes; }

    /** {@return why the plan does not fit, or an empty string} */
    public String reason() {
        if (fits()) return "";
        String where = activationsBytesByStage.size() > 1 ? " on pipeline stage " + stage : " per GPU";
        return String.format(java.util.Locale.ROOT, "needs %.1f GB%s but the GPU has %.1f GB", peakBytes() / 1e9, where,
                capacityBytes / 1e9);
    }
}

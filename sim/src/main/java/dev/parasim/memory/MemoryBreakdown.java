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
        return "needs " + oneDecimal(peakBytes() / 1e9) + " GB" + where + " but the GPU has " + oneDecimal(capacityBytes / 1e9) + " GB";
    }

    /**
     * {@return {@code x ≥ 0} with one decimal, the characters {@code String.format(Locale.ROOT, "%.1f", x)} writes}: the
     * shortest decimal that reads back as x, rounded half up; a sweep writes this for each of its out-of-memory plans,
     * and the formatter's parsing and locale look-ups cost more than the rest of the row.
     */
    static String oneDecimal(double x) {
        return new java.math.BigDecimal(Double.toString(x)).setScale(1, java.math.RoundingMode.HALF_UP).toPlainString();
    }
}

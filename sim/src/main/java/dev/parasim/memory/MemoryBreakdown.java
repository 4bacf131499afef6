package dev.parasim.memory;

/**
 * Bytes one GPU holds at its peak, by component, on the plan's worst rank (pipeline stage {@code stage}).
 * {@code otherBytes} is communication buffers plus the fp32 logits of the last stage.
 */
public record MemoryBreakdown(long paramsBytes, long gradsBytes, long optimizerBytes, long activationsBytes,
                              long otherBytes, long capacityBytes, int stage) {

    public long modelStateBytes() { return paramsBytes + gradsBytes + optimizerBytes; }

    public long peakBytes() { return modelStateBytes() + activationsBytes + otherBytes; }

    public boolean fits() { return peakBytes() <= capacityBytes; }

    /** {@return why the plan does not fit, or an empty string} */
    public String reason() {
        if (fits()) return "";
        return String.format(java.util.Locale.ROOT, "needs %.1f GB on pipeline stage %d but the GPU has %.1f GB",
                peakBytes() / 1e9, stage, capacityBytes / 1e9);
    }
}

package dev.parasim.exec;

import java.util.Map;

/**
 * Per-rank memory of an executed step, the maximum over ranks. Params, grads and optimizer are the
 * persistent bytes (live at the end of a step); activations and commBuffers are peaks within the step;
 * peakBytes is the peak of the total.
 */
public record MemoryReport(long paramsBytes, long gradsBytes, long optimizerBytes, long activationsBytes,
                           long commBuffersBytes, long peakBytes, Map<String, Long> peakByCategory) {

    public MemoryReport {
        peakByCategory = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(peakByCategory));
    }

    /** {@return params + grads + optimizer: the persistent model state} */
    public long modelStateBytes() { return paramsBytes + gradsBytes + optimizerBytes; }
}

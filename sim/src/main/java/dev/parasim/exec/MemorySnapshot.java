package dev.parasim.exec;

import java.io.Serializable;
import java.util.EnumMap;
import java.util.Map;

/**
 * A rank's memory at the end of a step: bytes still live per category (the persistent state) and
 * the peak per category and of the total over the step.
 */
public record MemorySnapshot(Map<MemCategory, Long> live, Map<MemCategory, Long> peak, long peakTotal)
        implements Serializable {

    public MemorySnapshot {
        live = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(live));
        peak = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(peak));
    }

    static MemorySnapshot of(MemoryMeter meter) {
        Map<MemCategory, Long> live = new EnumMap<>(MemCategory.class);
        Map<MemCategory, Long> peak = new EnumMap<>(MemCategory.class);
        for (MemCategory c : MemCategory.values()) {
            live.put(c, meter.live(c));
            peak.put(c, meter.peak(c));
        }
        return new MemorySnapshot(live, peak, meter.peakTotal());
    }

    public long live(MemCategory c) { return live.get(c); }

    public long peak(MemCategory c) { return peak.get(c); }
}

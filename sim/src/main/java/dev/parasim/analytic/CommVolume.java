package dev.parasim.analytic;

import dev.parasim.collective.CollectiveKind;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Bytes one GPU sends in one optimizer step, by collective kind and by link tier. */
public record CommVolume(long bytesPerGpu, Map<CollectiveKind, Long> byCollective, Map<String, Long> byTier) {

    public CommVolume {
        byCollective = java.util.Collections.unmodifiableMap(new EnumMap<>(byCollective));
        byTier = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byTier));
    }

    /** Sums ops; a hierarchical op's bytes split over tiers in the proportion its transfer puts on each. */
    public static CommVolume of(List<CommOp> ops, List<String> tierNames) {
        Map<CollectiveKind, Long> byKind = new EnumMap<>(CollectiveKind.class);
        for (CollectiveKind k : CollectiveKind.values()) byKind.put(k, 0L);
        Map<String, Long> byTier = new LinkedHashMap<>();
        for (String tier : tierNames) byTier.put(tier, 0L);
        long total = 0;
        for (CommOp op : ops) {
            long bytes = op.totalBytes();
            total += bytes;
            byKind.merge(op.kind(), bytes, Long::sum);
            double wire = op.each().bytes();
            long assigned = 0;
            int left = op.each().bytesByTier().size();
            for (Map.Entry<String, Double> tier : op.each().bytesByTier().entrySet()) {
                long share = --left == 0 ? bytes - assigned : Math.round(bytes * tier.getValue() / wire);
                assigned += share;
                byTier.merge(tier.getKey(), share, Long::sum);
            }
        }
        return new CommVolume(total, byKind, byTier);
    }

    public long bytes(CollectiveKind kind) { return byCollective.getOrDefault(kind, 0L); }
}

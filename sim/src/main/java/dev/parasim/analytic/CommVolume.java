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

    private static final CollectiveKind[] KINDS = CollectiveKind.values();

    /**
     * Sums ops; a hierarchical op's bytes split over tiers in the proportion its transfer puts on each. Every kind is
     * listed (0 when none), in declaration order; the tiers in {@code tierNames}' order, then any other tier an op uses
     * in the order first met. Summed in arrays, not maps of boxed longs (sweeps call this for every plan).
     */
    public static CommVolume of(List<CommOp> ops, List<String> tierNames) {
        long[] kinds = new long[KINDS.length];
        List<String> tiers = new java.util.ArrayList<>(new java.util.LinkedHashSet<>(tierNames));
        long[] tierBytes = new long[tiers.size() + 2];
        long total = 0;
        for (CommOp op : ops) {
            long bytes = op.totalBytes();
            total += bytes;
            kinds[op.kind().ordinal()] += bytes;
            long assigned = 0;
            int n = op.each().tiers();
            double wire = n > 1 ? op.each().bytes() : 0;   // one tier takes all the bytes
            for (int i = 0; i < n; i++) {
                long share = i == n - 1 ? bytes - assigned : Math.round(bytes * op.each().bytesOn(i) / wire);
                assigned += share;
                String tier = op.each().tier(i);
                int t = tiers.indexOf(tier);
                if (t < 0) {
                    t = tiers.size();
                    tiers.add(tier);
                    if (t >= tierBytes.length) tierBytes = java.util.Arrays.copyOf(tierBytes, 2 * t);
                }
                tierBytes[t] += share;
            }
        }
        Map<CollectiveKind, Long> byKind = new EnumMap<>(CollectiveKind.class);
        for (CollectiveKind k : KINDS) byKind.put(k, kinds[k.ordinal()]);
        Map<String, Long> byTier = new LinkedHashMap<>();
        for (int t = 0; t < tiers.size(); t++) byTier.put(tiers.get(t), tierBytes[t]);
        return new CommVolume(total, byKind, byTier);
    }

    /** {@return the bytes one GPU sends in these ops}: {@link #of}'s {@code bytesPerGpu}, without summing by kind and tier */
    public static long bytesPerGpu(List<CommOp> ops) {
        long total = 0;
        for (CommOp op : ops) total += op.totalBytes();
        return total;
    }

    public long bytes(CollectiveKind kind) { return byCollective.getOrDefault(kind, 0L); }
}

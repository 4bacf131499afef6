package dev.parasim.collective;

import java.util.Map;
import java.util.TreeMap;

/**
 * What one collective costs one GPU: bytes it sends on each link tier and the seconds it takes.
 * Bytes are what the GPU puts on the wire (ring sends equal receives).
 */
public record Transfer(Map<String, Double> bytesByTier, double seconds) {

    public Transfer {
        // Sorted, so every consumer iterates tiers in the same order on every run. One tier (nearly every collective) is
        // a singleton map, which makes its entry and value views once: Map.of's makes them anew at every iteration, and
        // a sweep iterates them for every plan.
        bytesByTier = bytesByTier.size() > 1 ? java.util.Collections.unmodifiableMap(new TreeMap<>(bytesByTier))
                : bytesByTier.isEmpty() ? Map.of()
                : bytesByTier.getClass() == SINGLE_TIER ? bytesByTier
                : single(bytesByTier.entrySet().iterator().next());
    }

    private static final Class<?> SINGLE_TIER = java.util.Collections.singletonMap("", 0.0).getClass();

    private static Map<String, Double> single(Map.Entry<String, Double> tier) {
        return java.util.Collections.singletonMap(java.util.Objects.requireNonNull(tier.getKey(), "tier"),
                java.util.Objects.requireNonNull(tier.getValue(), "bytes"));
    }

    /** {@return {@code bytes} on {@code tier} taking {@code seconds}} */
    public static Transfer on(String tier, double bytes, double seconds) {
        return new Transfer(java.util.Collections.singletonMap(java.util.Objects.requireNonNull(tier, "tier"), bytes), seconds);
    }

    public static final Transfer NONE = new Transfer(Map.of(), 0);

    public double bytes() {
        // One tier (nearly every collective) is its own sum; more go through the stream's compensated sum, as always.
        if (bytesByTier.size() == 1) return bytesByTier.values().iterator().next();
        return bytesByTier.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** {@return this transfer followed by {@code o}: seconds and per-tier bytes added} */
    public Transfer plus(Transfer o) {
        Map<String, Double> tiers = new java.util.TreeMap<>(bytesByTier);
        o.bytesByTier.forEach((t, b) -> tiers.merge(t, b, Double::sum));
        return new Transfer(tiers, seconds + o.seconds);
    }

    /**
     * Transfers added one after another, as a chain of {@link #plus} adds them (per tier and seconds in the same order, so
     * the same bits) without a map per step: what a stage's per-unit collectives sum into.
     */
    public static final class Sum {
        private final Map<String, Double> tiers = new TreeMap<>();
        private double seconds;

        public Sum add(Transfer t) {
            t.bytesByTier.forEach((tier, b) -> tiers.merge(tier, b, Double::sum));
            seconds += t.seconds;
            return this;
        }

        public Transfer total() {
            return new Transfer(tiers, seconds);
        }
    }

    /** {@return this transfer repeated {@code times} (same bytes and time each)} */
    public Transfer times(double times) {
        Map<String, Double> scaled = new TreeMap<>();
        bytesByTier.forEach((k, v) -> scaled.put(k, v * times));
        return new Transfer(scaled, seconds * times);
    }
}

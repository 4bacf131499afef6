package dev.parasim.collective;

import java.util.Map;
import java.util.TreeMap;

/**
 * What one collective costs one GPU: bytes it sends on each link tier and the seconds it takes.
 * Bytes are what the GPU puts on the wire (ring sends equal receives).
 */
public record Transfer(Map<String, Double> bytesByTier, double seconds) {

    public Transfer {
        // Sorted, so every consumer iterates tiers in the same order on every run.
        bytesByTier = java.util.Collections.unmodifiableMap(new TreeMap<>(bytesByTier));
    }

    public static final Transfer NONE = new Transfer(Map.of(), 0);

    public double bytes() {
        return bytesByTier.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** {@return this transfer followed by {@code o}: seconds and per-tier bytes added} */
    public Transfer plus(Transfer o) {
        Map<String, Double> tiers = new java.util.TreeMap<>(bytesByTier);
        o.bytesByTier.forEach((t, b) -> tiers.merge(t, b, Double::sum));
        return new Transfer(tiers, seconds + o.seconds);
    }

    /** {@return this transfer repeated {@code times} (same bytes and time each)} */
    public Transfer times(double times) {
        Map<String, Double> scaled = new TreeMap<>();
        bytesByTier.forEach((k, v) -> scaled.put(k, v * times));
        return new Transfer(scaled, seconds * times);
    }
}

package dev.parasim.exec;

import dev.parasim.collective.CollectiveKind;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bytes one rank moved in one optimizer step. Maps are keyed by {@link CollectiveKind#label()} and by
 * link-tier name; kinds and tiers that moved nothing are left out.
 */
public record RankComm(int rank, Map<String, Long> sentByKind, Map<String, Long> receivedByKind,
                       Map<String, Long> sentByTier, Map<String, Long> receivedByTier,
                       long crossPartitionSent, long crossPartitionReceived) implements Serializable {

    public RankComm {
        sentByKind = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sentByKind));
        receivedByKind = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(receivedByKind));
        sentByTier = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sentByTier));
        receivedByTier = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(receivedByTier));
    }

    /** {@return bytes sent over all kinds} */
    public long sent() { return sentByKind.values().stream().mapToLong(Long::longValue).sum(); }

    /** {@return bytes sent by collectives of {@code kind} (0 if none)} */
    public long sent(CollectiveKind kind) { return sentByKind.getOrDefault(kind.label(), 0L); }

    public long received(CollectiveKind kind) { return receivedByKind.getOrDefault(kind.label(), 0L); }

    static RankComm of(int rank, CommCounters c, Topology topology) {
        return new RankComm(rank, byKind(c.sentByKind), byKind(c.receivedByKind), byTier(c.sentByTier, topology),
                byTier(c.receivedByTier, topology), c.crossPartitionSent, c.crossPartitionReceived);
    }

    private static Map<String, Long> byKind(long[] values) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (CollectiveKind k : CollectiveKind.values()) if (values[k.ordinal()] != 0) out.put(k.label(), values[k.ordinal()]);
        return out;
    }

    private static Map<String, Long> byTier(long[] values, Topology topology) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int t = 0; t < values.length; t++)
            if (values[t] != 0) out.merge(topology.tierName(t), values[t], Long::sum);
        return out;
    }
}

package dev.parasim.exec;

import dev.parasim.collective.CollectiveKind;

import java.io.Serializable;

/** Bytes one rank sent and received, per collective kind, per link tier and across Spark partitions. */
final class CommCounters implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int KINDS = CollectiveKind.values().length;

    final long[] sentByKind = new long[KINDS];
    final long[] receivedByKind = new long[KINDS];
    final long[] sentByTier = new long[2];
    final long[] receivedByTier = new long[2];
    long crossPartitionSent;
    long crossPartitionReceived;

    void sent(CollectiveKind kind, int tier, boolean crossPartition, long bytes) {
        sentByKind[kind.ordinal()] += bytes;
        sentByTier[tier] += bytes;
        if (crossPartition) crossPartitionSent += bytes;
    }

    void received(CollectiveKind kind, int tier, boolean crossPartition, long bytes) {
        receivedByKind[kind.ordinal()] += bytes;
        receivedByTier[tier] += bytes;
        if (crossPartition) crossPartitionReceived += bytes;
    }

    /** {@return payload bytes sent since the last reset} */
    long totalSent() {
        long total = 0;
        for (long b : sentByKind) total += b;
        return total;
    }

    /** {@return an immutable snapshot, with tier names resolved by {@code topology}} */
    public RankComm snapshot(int rank, Topology topology) {
        return RankComm.of(rank, this, topology);
    }

    void reset() {
        java.util.Arrays.fill(sentByKind, 0);
        java.util.Arrays.fill(receivedByKind, 0);
        java.util.Arrays.fill(sentByTier, 0);
        java.util.Arrays.fill(receivedByTier, 0);
        crossPartitionSent = 0;
        crossPartitionReceived = 0;
    }
}

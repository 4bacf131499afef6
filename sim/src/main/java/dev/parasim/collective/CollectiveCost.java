package dev.parasim.collective;

import dev.parasim.plan.GroupSpan;
import dev.parasim.spec.LinkTier;

/**
 * The α-β cost of a collective on one group: every round costs the tier's latency α, every byte
 * 1/β with β = line rate × efficiency (NCCL nccl-tests PERFORMANCE.md; Thakur et al. 2005 for the
 * algorithms). Groups inside one node use a ring on the node tier; groups spanning nodes with
 * several members per node go hierarchical, with one member per node a flat ring on the cluster tier.
 * The cross-node AllReduce phase pays 2·⌈log₂ g⌉ latencies (NCCL's tree across nodes) rather than the
 * ring's 2(g − 1); bytes are the ring's either way. AllGather and ReduceScatter have no tree in NCCL: across
 * nodes they run one ring over all n ranks and pay its n − 1 inter-node latencies. An AllToAll across nodes sends its
 * node peers' shares over NVLink and the rest over the NICs at once.
 */
public final class CollectiveCost {
    private final LinkTier nodeTier;
    private final LinkTier clusterTier;

    public CollectiveCost(LinkTier nodeTier, LinkTier clusterTier) {
        this.nodeTier = nodeTier;
        this.clusterTier = clusterTier;
    }

    /** {@return the algorithm used for a group with this span} */
    public static CollectiveAlgorithm algorithmFor(GroupSpan span) {
        return span.crossesNodes() && span.perNode() > 1 ? CollectiveAlgorithm.HIERARCHICAL : CollectiveAlgorithm.RING;
    }

    /** {@return the cost to one GPU of {@code kind} on {@code bytes} (the full buffer S) over the group} */
    public Transfer of(CollectiveKind kind, double bytes, GroupSpan span) {
        return of(kind, bytes, span, algorithmFor(span));
    }

    public Transfer of(CollectiveKind kind, double bytes, GroupSpan span, CollectiveAlgorithm algorithm) {
        int n = span.size();
        if (n == 1 || bytes == 0) return Transfer.NONE;
        LinkTier flat = span.crossesNodes() ? clusterTier : nodeTier;
        return switch (algorithm) {
            case RING -> ring(kind, bytes, n, flat);
            case HALVING_DOUBLING -> halvingDoubling(kind, bytes, n, flat);
            case HIERARCHICAL -> hierarchical(kind, bytes, span);
        };
    }

    /** Ring: AllReduce 2(n−1) rounds of S/n, ReduceScatter / AllGather / AllToAll n−1 rounds of S/n. */
    static Transfer ring(CollectiveKind kind, double bytes, int n, LinkTier tier) {
        double rounds = switch (kind) {
            case ALL_REDUCE -> 2.0 * (n - 1);
            case REDUCE_SCATTER, ALL_GATHER, ALL_TO_ALL -> n - 1;
            case BROADCAST, SEND_RECV -> 1;
        };
        double sent = switch (kind) {
            case ALL_REDUCE, REDUCE_SCATTER, ALL_GATHER, ALL_TO_ALL -> rounds * bytes / n;
            // Pipelined ring broadcast: every rank but the last forwards the whole buffer once.
            case BROADCAST -> bytes * (n - 1) / n;
            case SEND_RECV -> bytes;
        };
        double seconds = rounds * tier.latencySeconds() + sent / tier.effectiveBytesPerSecond();
        if (kind == CollectiveKind.BROADCAST) seconds = (n - 1) * tier.latencySeconds() + bytes / tier.effectiveBytesPerSecond();
        return one(tier, sent, seconds);
    }

    /** Recursive halving-doubling AllReduce: 2·log₂ n rounds, 2(n−1)/n·S bytes (Thakur et al. 2005). */
    static Transfer halvingDoubling(CollectiveKind kind, double bytes, int n, LinkTier tier) {
        if (kind != CollectiveKind.ALL_REDUCE) return ring(kind, bytes, n, tier);
        double rounds = 2 * Math.ceil(Math.log(n) / Math.log(2));
        double sent = 2.0 * (n - 1) / n * bytes;
        return one(tier, sent, rounds * tier.latencySeconds() + sent / tier.effectiveBytesPerSecond());
    }

    /**
     * Two levels for k members per node on g nodes: ReduceScatter inside the node, the collective
     * across nodes on S/k per GPU (each GPU on its own NIC), AllGather inside the node.
     */
    Transfer hierarchical(CollectiveKind kind, double bytes, GroupSpan span) {
        int k = span.perNode(), g = span.nodes();
        Transfer inner, outer;
        switch (kind) {
            case ALL_REDUCE -> {
                inner = ring(CollectiveKind.ALL_REDUCE, bytes, k, nodeTier);
                // Across nodes NCCL reduces along trees: 2·⌈log₂ g⌉ latency steps, the ring's bandwidth term.
                outer = halvingDoubling(CollectiveKind.ALL_REDUCE, bytes / k, g, clusterTier);
            }
            case REDUCE_SCATTER, ALL_GATHER -> {
                // NCCL has no tree for these: one ring over all k·g ranks, its k·g − 1 steps each waiting on the slowest
                // (inter-node) hop, so the latency is (k·g − 1)·α_cluster — 12 ms at 1,536 ranks and 8 µs — while the
                // bytes split as below (each of the node's rings crosses on its own NIC: S/k per NIC). The rings move
                // their NVLink and NIC shares at once, each ring pipelined through all its links, so the bytes take
                // as long as the slower share, not the two one after the other: across nodes the NICs (S/k each, the
                // node's 8 together ~192 GB/s of bus bandwidth on a DGX A100, NVIDIA/nccl#412) set the pace.
                Transfer in = ring(kind, bytes, k, nodeTier), out = ring(kind, bytes / k, g, clusterTier);
                double bandwidth = Math.max(in.seconds() - (k - 1) * nodeTier.latencySeconds(),
                        out.seconds() - (g - 1) * clusterTier.latencySeconds());
                return in.plus(out).withSeconds(bandwidth + (span.size() - 1) * clusterTier.latencySeconds());
            }
            case ALL_TO_ALL -> {
                // Every rank sends S/n to each peer at once: the k − 1 peers on its node over NVLink, the n − k others over
                // its NIC, both shares moving together, so the slower sets the pace; one latency per peer, as the ring's.
                int n = span.size();
                double nvlink = bytes * (k - 1) / n, nic = bytes * (n - k) / n;
                Transfer in = one(nodeTier, nvlink, nvlink / nodeTier.effectiveBytesPerSecond());
                Transfer out = one(clusterTier, nic, nic / clusterTier.effectiveBytesPerSecond());
                return in.plus(out).withSeconds(Math.max(in.seconds(), out.seconds()) + (n - 1) * clusterTier.latencySeconds());
            }
            default -> {
                return ring(kind, bytes, span.size(), clusterTier);
            }
        }
        return inner.plus(outer);
    }

    /** {@return a point-to-point message of {@code bytes} over the node or cluster tier} */
    public Transfer sendRecv(double bytes, boolean crossesNodes) {
        return ring(CollectiveKind.SEND_RECV, bytes, 2, crossesNodes ? clusterTier : nodeTier);
    }

    private static Transfer one(LinkTier tier, double sent, double seconds) {
        return Transfer.on(tier.name(), sent, seconds);
    }
}

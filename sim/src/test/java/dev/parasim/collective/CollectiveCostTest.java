package dev.parasim.collective;

import dev.parasim.plan.GroupSpan;
import dev.parasim.spec.LinkTier;
import dev.parasim.spec.TierScope;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CollectiveCostTest {
    static final LinkTier NVLINK = new LinkTier("nvlink", TierScope.NODE, 100, 5, 0.8);     // 80 GB/s effective
    static final LinkTier IB = new LinkTier("ib", TierScope.CLUSTER, 25, 10, 0.96);         // 24 GB/s effective
    static final CollectiveCost COST = new CollectiveCost(NVLINK, IB);

    @Test
    void busBandwidthFactorsFromNcclTests() {
        assertEquals(2.0 * 7 / 8, CollectiveKind.ALL_REDUCE.busBandwidthFactor(8));
        assertEquals(7.0 / 8, CollectiveKind.REDUCE_SCATTER.busBandwidthFactor(8));
        assertEquals(7.0 / 8, CollectiveKind.ALL_GATHER.busBandwidthFactor(8));
        assertEquals(3.0 / 4, CollectiveKind.ALL_TO_ALL.busBandwidthFactor(4));
        assertEquals(1.0, CollectiveKind.BROADCAST.busBandwidthFactor(16));
        assertEquals(1.0, CollectiveKind.ALL_REDUCE.busBandwidthFactor(2));
    }

    /**
     * An AllToAll over 2 nodes of 8: each rank sends S/16 to each of 15 peers, 7 of them over NVLink and 8 over its NIC at
     * once; the NIC's 8/16·S at 24 GB/s sets the pace, plus 15 inter-node latencies.
     */
    @Test
    void allToAllAcrossNodesSendsItsNodePeersSharesOverNvlinkAndTheRestOverTheNicsAtOnce() {
        Transfer t = COST.of(CollectiveKind.ALL_TO_ALL, 1.6e9, new GroupSpan(16, 8, 2));
        assertEquals(0.7e9, t.bytesByTier().get("nvlink"), 1e-3);
        assertEquals(0.8e9, t.bytesByTier().get("ib"), 1e-3);
        assertEquals(0.8e9 / 24e9 + 15 * 10e-6, t.seconds(), 1e-15);
        // Inside one node it is the ring's: n − 1 rounds of S/n.
        assertEquals(7 * 5e-6 + 0.7e9 / 80e9, COST.of(CollectiveKind.ALL_TO_ALL, 0.8e9, new GroupSpan(8, 8, 1)).seconds(), 1e-15);
    }

    @Test
    void ringAllReduceAlphaBeta() {
        // 2(n−1)·α + 2(n−1)/n·S/β = 14·5 µs + 1.75 GB / 80 GB/s
        Transfer t = COST.of(CollectiveKind.ALL_REDUCE, 1e9, new GroupSpan(8, 8, 1));
        assertEquals(14 * 5e-6 + 1.75e9 / 80e9, t.seconds(), 1e-15);
        assertEquals(1.75e9, t.bytesByTier().get("nvlink"), 1e-3);
    }

    @Test
    void ringReduceScatterAndAllGatherAreHalfAnAllReduce() {
        GroupSpan eight = new GroupSpan(8, 8, 1);
        Transfer rs = COST.of(CollectiveKind.REDUCE_SCATTER, 1e9, eight);
        Transfer ag = COST.of(CollectiveKind.ALL_GATHER, 1e9, eight);
        assertEquals(7 * 5e-6 + 0.875e9 / 80e9, rs.seconds(), 1e-15);
        assertEquals(rs.seconds() + ag.seconds(), COST.of(CollectiveKind.ALL_REDUCE, 1e9, eight).seconds(), 1e-15);
    }

    @Test
    void halvingDoublingHasLogarithmicLatency() {
        Transfer t = COST.of(CollectiveKind.ALL_REDUCE, 1e6, new GroupSpan(8, 8, 1), CollectiveAlgorithm.HALVING_DOUBLING);
        assertEquals(6 * 5e-6 + 1.75e6 / 80e9, t.seconds(), 1e-15);
        assertEquals(1.75e6, t.bytes(), 1e-6);
    }

    @Test
    void hierarchicalSendsTheRingsBytesButOnlyAFractionAcrossNodes() {
        // 64 ranks, 8 per node on 8 nodes: inside 2·7/8·S, across 2·7/8·S/8.
        Transfer t = COST.of(CollectiveKind.ALL_REDUCE, 1e9, new GroupSpan(64, 8, 8));
        assertEquals(1.75e9, t.bytesByTier().get("nvlink"), 1e-3);
        assertEquals(1.75e9 / 8, t.bytesByTier().get("ib"), 1e-3);
        assertEquals(2.0 * 63 / 64 * 1e9, t.bytes(), 1e-3);
        // Inside: ring, 2·7 latencies; across 8 nodes: tree, 2·log₂ 8 = 6 latencies.
        double expected = (14 * 5e-6 + 1.75e9 / 80e9) + (6 * 10e-6 + 1.75e9 / 8 / 24e9);
        assertEquals(expected, t.seconds(), 1e-15);
    }

    /**
     * AllGather across nodes is one NCCL ring over all 64 ranks: 63 inter-node latencies, bytes split as hierarchical,
     * the NVLink and NIC shares moving at once: here NVLink's 7/8·S at 80 GB/s (10.9 ms) outlasts the NIC's 7/64·S at
     * 24 GB/s (4.6 ms).
     */
    @Test
    void allGatherAcrossNodesPaysTheFlatRingsLatency() {
        Transfer t = COST.of(CollectiveKind.ALL_GATHER, 1e9, new GroupSpan(64, 8, 8));
        assertEquals(1e9 * 7 / 8 / 80e9 + 63 * 10e-6, t.seconds(), 1e-15);
        assertEquals(1e9 * 7 / 8, t.bytesByTier().get("nvlink"), 1e-3);
        assertEquals(1e9 / 8 * 7 / 8, t.bytesByTier().get("ib"), 1e-3);
    }

    /**
     * On a DGX A100's links (NVLink 230 GB/s, a 24 GB/s NIC per GPU) the NIC share is the slower: a ReduceScatter of
     * 1 GB over 16 nodes of 8 takes 15/16·S/8 at 24 GB/s (4.88 ms), not that plus NVLink's 7/8·S at 230 GB/s (3.80 ms),
     * and 127 latencies of 8 µs.
     */
    @Test
    void theNicShareSetsThePaceOfACrossNodeRing() {
        LinkTier nvlink = new LinkTier("nvlink3", TierScope.NODE, 300, 3, 0.767), ib = new LinkTier("ib-hdr", TierScope.CLUSTER, 25, 8, 0.96);
        Transfer t = new CollectiveCost(nvlink, ib).of(CollectiveKind.REDUCE_SCATTER, 1e9, new GroupSpan(128, 8, 16));
        assertEquals(1e9 / 8 * 15 / 16 / 24e9 + 127 * 8e-6, t.seconds(), 1e-12);
    }

    @Test
    void oneRankPerNodeIsAFlatRingOnTheClusterTier() {
        Transfer t = COST.of(CollectiveKind.ALL_GATHER, 8e8, new GroupSpan(4, 1, 4));
        assertEquals(3 * 10e-6 + 6e8 / 24e9, t.seconds(), 1e-15);
        assertEquals(6e8, t.bytesByTier().get("ib"), 1e-3);
    }

    @Test
    void chunkingPadsToTheGroup() {
        assertEquals(3, Chunking.shard(10, 4));
        assertEquals(12, Chunking.padded(10, 4));
        assertEquals(2 * 3 * 3, Chunking.ringAllReduceElements(10, 4));
        assertEquals(3 * 3, Chunking.ringReduceScatterElements(10, 4));
        // 25 elements in buckets of 10 over 4 ranks: buckets 10, 10, 5 -> 2·3·(3 + 3 + 2)
        assertEquals(2 * 3 * (3 + 3 + 2), Chunking.bucketedAllReduceElements(25, 10, 4));
        assertEquals(0, Chunking.bucketedAllReduceElements(25, 10, 1));
    }
}

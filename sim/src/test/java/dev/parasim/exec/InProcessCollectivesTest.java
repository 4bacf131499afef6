package dev.parasim.exec;

import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every executed collective on the in-process backend (no Spark), one op per run on fp64 buffers whose sizes are
 * not divisible by n: the values are the plain sum (or the copy) of the ranks' buffers, and each rank's counted
 * bytes by kind, link tier and partition crossing are exactly the algorithm's (c = ⌈S/n⌉ elements of 8 B):
 * ring AllReduce 2(n−1)·c to rank r+1, ReduceScatter and AllGather (n−1)·c, halving-doubling 2(n−1)·c for n a
 * power of two (Thakur et al. 2005 §4), chain broadcast S from every rank but the chain's last, send/recv S from
 * rank 0. The backend's per-superstep cross- and in-partition bytes add up to the ranks' counts, and a step
 * takes 1 + the op's rounds supersteps.
 */
class InProcessCollectivesTest {
    private static final int F64 = 8;

    private record Run(List<double[]> values, List<RankComm> comm, Backend backend, int supersteps) {}

    private static Run run(int n, int size, int ranksPerPartition, Op op) {
        Topology topology = new Topology(n, ranksPerPartition, 2, "nvlink", "ib");
        try (Backend backend = new InProcessBackend(topology,
                new CountedFillProgram(size, Dtype.F64, List.of(op), List.of("x")))) {
            int supersteps = backend.runStep();
            List<double[]> values = backend.collect(r -> r.buf("x").toDoubles(size));
            List<RankComm> comm = backend.collect(r -> r.reports().get(0).comm());
            assertEquals(1 + op.rounds(n), supersteps, op + ": supersteps per step");
            return new Run(values, comm, backend, supersteps);
        }
    }

    /** Checks every rank's bytes: {@code bytesTo(r)} = {peer, payload bytes} of rank r's only peer (null: sends nothing). */
    private static void assertRingBytes(Run run, Topology t, CollectiveKind kind, IntFunction<long[]> bytesTo) {
        long cross = 0, all = 0;
        for (int r = 0; r < t.world(); r++) {
            long[] sent = bytesTo.apply(r);
            RankComm c = run.comm().get(r);
            long bytes = sent == null ? 0 : sent[1];
            assertEquals(bytes, c.sent(kind), kind + " bytes of rank " + r);
            assertEquals(bytes, c.sent(), "only " + kind + " is counted on rank " + r);
            if (sent != null && bytes > 0) {
                String tier = t.tierName(t.tierIndex(r, (int) sent[0]));
                assertEquals(java.util.Map.of(tier, bytes), c.sentByTier(), "tier of rank " + r);
                assertEquals(t.partitionOf(r) != t.partitionOf((int) sent[0]) ? bytes : 0, c.crossPartitionSent(),
                        "cross-partition bytes of rank " + r);
            }
            cross += c.crossPartitionSent();
            all += c.sent();
        }
        assertBackendCounts(run, cross, all);
    }

    private static void assertBackendCounts(Run run, long cross, long all) {
        long backendCross = run.backend().crossPartitionSentBySuperstep().stream().mapToLong(Long::longValue).sum();
        long backendIn = run.backend().inPartitionSentBySuperstep().stream().mapToLong(Long::longValue).sum();
        assertEquals(cross, backendCross, "backend's cross-partition bytes");
        assertEquals(all - cross, backendIn, "backend's in-partition bytes");
    }

    @ParameterizedTest(name = "n {0}, {1} elements, {2} ranks per partition")
    @CsvSource({"2,13,1", "3,13,2", "3,50,1", "4,13,3", "4,50,2", "8,13,3", "8,50,4"})
    void ringCollectivesSumAndCountExactly(int n, int size, int ranksPerPartition) {
        Topology t = new Topology(n, ranksPerPartition, 2, "nvlink", "ib");
        int c = (int) Chunking.shard(size, n);
        double[] sum = sum(n, size);

        Run ring = run(n, size, ranksPerPartition, new RingAllReduce(List.of(Seg.whole("x", size))));
        for (int r = 0; r < n; r++) assertArrayEquals(sum, ring.values().get(r), 1e-12, "ring AllReduce, rank " + r);
        assertRingBytes(ring, t, CollectiveKind.ALL_REDUCE, r -> new long[] {(r + 1) % n, 2L * (n - 1) * c * F64});

        Run rs = run(n, size, ranksPerPartition, new RingReduceScatter(List.of(Seg.whole("x", size))));
        for (int r = 0; r < n; r++)
            for (int i = r * c; i < Math.min(size, (r + 1) * c); i++)
                assertEquals(sum[i], rs.values().get(r)[i], 1e-12, "ReduceScatter, rank " + r + " element " + i);
        assertRingBytes(rs, t, CollectiveKind.REDUCE_SCATTER, r -> new long[] {(r + 1) % n, (long) (n - 1) * c * F64});

        Run ag = run(n, size, ranksPerPartition, new RingAllGather(List.of(Seg.whole("x", size))));
        for (int r = 0; r < n; r++)
            for (int i = 0; i < size; i++) assertEquals(FillProgram.value(i / c, i), ag.values().get(r)[i], 0, "AllGather, rank " + r);
        assertRingBytes(ag, t, CollectiveKind.ALL_GATHER, r -> new long[] {(r + 1) % n, (long) (n - 1) * c * F64});
    }

    @ParameterizedTest(name = "n {0}, {1} elements, {2} ranks per partition")
    @CsvSource({"2,13,1", "3,13,2", "4,13,3", "4,50,2", "8,13,3", "8,50,4"})
    void halvingDoublingEqualsTheRingAndSendsAsMuchForPowersOfTwo(int n, int size, int ranksPerPartition) {
        Run hd = run(n, size, ranksPerPartition, new HalvingDoublingAllReduce(List.of(Seg.whole("x", size))));
        double[] sum = sum(n, size);
        for (int r = 0; r < n; r++) assertArrayEquals(sum, hd.values().get(r), 1e-12, "halving-doubling AllReduce, rank " + r);
        long cross = 0, all = 0;
        for (RankComm c : hd.comm()) {
            if (Integer.bitCount(n) == 1)
                assertEquals(2L * (n - 1) * Chunking.shard(size, n) * F64, c.sent(CollectiveKind.ALL_REDUCE), "rank " + c.rank());
            cross += c.crossPartitionSent();
            all += c.sent();
        }
        assertBackendCounts(hd, cross, all);
    }

    @ParameterizedTest(name = "n {0}, {1} elements, {2} ranks per partition")
    @CsvSource({"2,13,1", "3,50,1", "4,13,3", "8,50,4"})
    void broadcastAndSendRecvCopyAndCountExactly(int n, int size, int ranksPerPartition) {
        Topology t = new Topology(n, ranksPerPartition, 2, "nvlink", "ib");
        int root = n - 1;
        Run bc = run(n, size, ranksPerPartition, new ChainBroadcast(root, List.of(Seg.whole("x", size))));
        for (int r = 0; r < n; r++)
            for (int i = 0; i < size; i++) assertEquals(FillProgram.value(root, i), bc.values().get(r)[i], 0, "Broadcast, rank " + r);
        // The chain runs root, root+1, …: the rank n−1 hops after the root (root − 1) is last and forwards nothing.
        assertRingBytes(bc, t, CollectiveKind.BROADCAST,
                r -> r == Math.floorMod(root - 1, n) ? null : new long[] {(r + 1) % n, (long) size * F64});

        Run p2p = run(n, size, ranksPerPartition, new SendRecv(0, n - 1, List.of(Seg.whole("x", size))));
        for (int i = 0; i < size; i++) assertEquals(FillProgram.value(0, i), p2p.values().get(n - 1)[i], 0, "received element " + i);
        for (int r = 0; r < n - 1; r++)
            for (int i = 0; i < size; i++) assertEquals(FillProgram.value(r, i), p2p.values().get(r)[i], 0, "rank " + r + " keeps its own");
        assertRingBytes(p2p, t, CollectiveKind.SEND_RECV, r -> r == 0 ? new long[] {n - 1, (long) size * F64} : null);
    }

    private static double[] sum(int n, int size) {
        double[] sum = new double[size];
        for (int r = 0; r < n; r++) for (int i = 0; i < size; i++) sum[i] += FillProgram.value(r, i);
        return sum;
    }
}

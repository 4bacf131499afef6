package dev.parasim.exec.spark;

import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.Dtype;
import dev.parasim.exec.FillProgramAccess;
import dev.parasim.exec.Op;
import dev.parasim.exec.RankComm;
import dev.parasim.exec.Seg;
import dev.parasim.exec.TestSpark;
import dev.parasim.exec.Topology;
import dev.parasim.exec.RingAllReduce;
import dev.parasim.exec.RingAllGather;
import dev.parasim.exec.RingReduceScatter;
import dev.parasim.exec.HalvingDoublingAllReduce;
import dev.parasim.exec.ChainBroadcast;
import dev.parasim.exec.SendRecv;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every executed collective gives a plain sum (or copy) of the ranks' buffers, and sends the counted bytes. */
class CollectivesOnSparkTest {
    static final int[] SIZES = {1, 13, 50};

    static Stream<int[]> cases() {
        List<int[]> out = new ArrayList<>();
        for (int n : new int[] {2, 3, 4, 8})
            for (int size : SIZES) out.add(new int[] {n, size});
        return out.stream();
    }

    private static List<double[]> run(int n, int size, Op op, int ranksPerPartition) {
        Topology topology = new Topology(n, ranksPerPartition, 4, "nvlink", "ib");
        try (SuperstepEngine engine = new SuperstepEngine(TestSpark.session(), topology,
                FillProgramAccess.program(size, Dtype.F64, List.of(op)))) {
            engine.runStep();
            return engine.collect(r -> r.buf("x").toDoubles(size));
        }
    }

    private static double[] sum(int n, int size) {
        double[] s = new double[size];
        for (int r = 0; r < n; r++) for (int i = 0; i < size; i++) s[i] += FillProgramAccess.value(r, i);
        return s;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void allReduceRingAndHalvingDoublingEqualThePlainSum(int[] c) {
        int n = c[0], size = c[1];
        double[] expected = sum(n, size);
        List<double[]> ring = run(n, size, new RingAllReduce(List.of(Seg.whole("x", size))), 2);
        List<double[]> hd = run(n, size, new HalvingDoublingAllReduce(List.of(Seg.whole("x", size))), 3);
        for (int r = 0; r < n; r++) {
            assertArrayEquals(expected, ring.get(r), 1e-12, "ring rank " + r);
            assertArrayEquals(expected, hd.get(r), 1e-12, "halving-doubling rank " + r);
            assertArrayEquals(ring.get(r), hd.get(r), 1e-12);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void reduceScatterLeavesEachRankItsSummedShard(int[] c) {
        int n = c[0], size = c[1];
        double[] expected = sum(n, size);
        List<double[]> out = run(n, size, new RingReduceScatter(List.of(Seg.whole("x", size))), 2);
        int shard = (int) Chunking.shard(size, n);
        for (int r = 0; r < n; r++)
            for (int i = r * shard; i < Math.min(size, (r + 1) * shard); i++)
                assertEquals(expected[i], out.get(r)[i], 1e-12, "rank " + r + " element " + i);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void allGatherCopiesEveryOwnersShard(int[] c) {
        int n = c[0], size = c[1];
        List<double[]> out = run(n, size, new RingAllGather(List.of(Seg.whole("x", size))), 2);
        int shard = (int) Chunking.shard(size, n);
        for (int r = 0; r < n; r++)
            for (int i = 0; i < size; i++)
                assertEquals(FillProgramAccess.value(i / shard, i), out.get(r)[i], 0, "rank " + r + " element " + i);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void broadcastAndSendRecvCopy(int[] c) {
        int n = c[0], size = c[1];
        int root = n - 1;
        List<double[]> out = run(n, size, new ChainBroadcast(root, List.of(Seg.whole("x", size))), 2);
        for (int r = 0; r < n; r++)
            for (int i = 0; i < size; i++) assertEquals(FillProgramAccess.value(root, i), out.get(r)[i], 0);
        List<double[]> p2p = run(n, size, new SendRecv(0, n - 1, List.of(Seg.whole("x", size))), 1);
        for (int i = 0; i < size; i++) assertEquals(FillProgramAccess.value(0, i), p2p.get(n - 1)[i], 0);
    }
}

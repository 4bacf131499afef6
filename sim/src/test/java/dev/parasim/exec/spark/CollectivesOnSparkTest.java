package dev.parasim.exec.spark;

import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.Backend;
import dev.parasim.exec.FillProgramAccess;
import dev.parasim.exec.InProcessBackend;
import dev.parasim.exec.Op;
import dev.parasim.exec.TestSpark;
import dev.parasim.exec.Topology;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every executed collective, run through Spark supersteps on fp64 buffers whose sizes are not
 * divisible by n, gives the plain sum (or the copy) of the ranks' buffers, and sends the counted bytes.
 * One run per case executes all of them, one after the other, on separate buffers; the in-process backend
 * gives the same values, supersteps and cross- and in-partition bytes per superstep.
 */
class CollectivesOnSparkTest {
    private static final List<String> BUFFERS = List.of("ring", "hd", "rs", "ag", "bc", "p2p");

    @ParameterizedTest(name = "n {0}, {1} elements, {2} ranks per partition")
    @CsvSource({"2,13,1", "2,1,2", "3,13,2", "3,50,1", "4,13,3", "4,50,2", "8,13,3", "8,50,4"})
    void collectivesEqualThePlainSumOrCopy(int n, int size, int ranksPerPartition) {
        int root = n - 1;
        List<Op> ops = FillProgramAccess.everyCollective(size, root, n);
        Topology topology = new Topology(n, ranksPerPartition, 2, "nvlink", "ib");
        List<Map<String, double[]>> out;
        List<Boolean> noReports;
        try (SuperstepEngine engine = new SuperstepEngine(TestSpark.session().sparkContext(), topology,
                FillProgramAccess.fp64(size, ops, BUFFERS));
             Backend local = new InProcessBackend(topology, FillProgramAccess.fp64(size, ops, BUFFERS))) {
            int supersteps = engine.runStep();
            Backend.RankQuery<Map<String, double[]>> values = r -> {
                Map<String, double[]> v = new java.util.HashMap<>();
                for (String b : BUFFERS) v.put(b, r.buf(b).toDoubles(size));
                return v;
            };
            out = engine.collect(values);
            noReports = engine.collect(r -> r.reports().isEmpty());
            // The in-process backend runs the same supersteps with the same values and bytes per superstep.
            assertEquals(supersteps, local.runStep(), "supersteps in process");
            List<Map<String, double[]>> inProcess = local.collect(values);
            for (int r = 0; r < n; r++)
                for (String b : BUFFERS) assertArrayEquals(out.get(r).get(b), inProcess.get(r).get(b), 0, b + " in process, rank " + r);
            assertEquals(engine.crossPartitionSentBySuperstep(), local.crossPartitionSentBySuperstep(), "cross-partition bytes per superstep");
            assertEquals(engine.inPartitionSentBySuperstep(), local.inPartitionSentBySuperstep(), "in-partition bytes per superstep");
        }
        double[] sum = new double[size];
        for (int r = 0; r < n; r++) for (int i = 0; i < size; i++) sum[i] += FillProgramAccess.value(r, i);
        int shard = (int) Chunking.shard(size, n);
        for (int r = 0; r < n; r++) {
            Map<String, double[]> x = out.get(r);
            assertArrayEquals(sum, x.get("ring"), 1e-12, "ring AllReduce, rank " + r);
            assertArrayEquals(sum, x.get("hd"), 1e-12, "halving-doubling AllReduce, rank " + r);
            assertArrayEquals(x.get("ring"), x.get("hd"), 1e-12, "halving-doubling equals ring, rank " + r);
            for (int i = r * shard; i < Math.min(size, (r + 1) * shard); i++)
                assertEquals(sum[i], x.get("rs")[i], 1e-12, "ReduceScatter, rank " + r + " element " + i);
            for (int i = 0; i < size; i++) {
                assertEquals(FillProgramAccess.value(i / shard, i), x.get("ag")[i], 0, "AllGather, rank " + r);
                assertEquals(FillProgramAccess.value(root, i), x.get("bc")[i], 0, "Broadcast, rank " + r);
            }
        }
        for (int i = 0; i < size; i++) assertEquals(FillProgramAccess.value(0, i), out.get(n - 1).get("p2p")[i], 0);
        assertEquals(java.util.Collections.nCopies(n, true), noReports, "fill programs record no step reports");
    }
}

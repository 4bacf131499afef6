package dev.parasim.exec.spark;

import dev.parasim.exec.Dtype;
import dev.parasim.exec.FillProgramAccess;
import dev.parasim.exec.RingAllReduce;
import dev.parasim.exec.Seg;
import dev.parasim.exec.TestSpark;
import dev.parasim.exec.Topology;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spark's own shuffle-write bytes agree with the counted cross-partition bytes for large messages. */
class ShuffleBytesTest {

    @Test
    void shuffleWriteBytesAreWithinTwoPercentOfCountedCrossPartitionBytes() {
        int n = 4;
        int length = n * 16_400;   // ring chunks of 16 400 fp32 = 65 600 B ≥ 64 KiB
        Topology topology = new Topology(n, 2, 2, "nvlink", "ib");
        try (SuperstepEngine engine = new SuperstepEngine(TestSpark.session().sparkContext(), topology,
                FillProgramAccess.program(length, Dtype.F32, List.of(new RingAllReduce(List.of(Seg.whole("x", length))))))) {
            engine.runStep();
            List<Long> counted = engine.crossPartitionSentBySuperstep();
            List<Long> local = engine.inPartitionSentBySuperstep();
            Map<Integer, Long> spark = engine.sparkShuffleBytesBySender();
            int rounds = 0;
            for (int g = 0; g < counted.size(); g++) {
                if (counted.get(g) == 0) continue;
                rounds++;
                // Per round: ranks 1→2 and 3→0 cross partitions; 0→1 and 2→3 stay in memory.
                assertEquals(2L * 65_600, counted.get(g));
                assertEquals(2L * 65_600, local.get(g));
                long shuffled = spark.getOrDefault(g, 0L);
                double error = Math.abs(shuffled - counted.get(g)) / (double) counted.get(g);
                System.out.printf("superstep %d: counted %d B cross-partition, Spark shuffle-write %d B, error %.4f%%%n",
                        g, counted.get(g), shuffled, 100 * error);
                assertTrue(error <= 0.02, "superstep " + g + ": " + shuffled + " vs " + counted.get(g));
            }
            assertEquals(2 * (n - 1), rounds);
        }
    }
}

package dev.parasim.exec.bench;

import dev.parasim.exec.Buf;
import dev.parasim.exec.Dtype;
import dev.parasim.exec.MemCategory;
import dev.parasim.exec.Op;
import dev.parasim.exec.RankProgram;
import dev.parasim.exec.RankState;
import dev.parasim.exec.RingAllReduce;
import dev.parasim.exec.Seg;
import dev.parasim.exec.Topology;
import dev.parasim.exec.spark.SuperstepEngine;
import dev.parasim.spark.SparkSessions;
import org.apache.spark.SparkContext;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Executed ring AllReduce on Spark: payload throughput by buffer size and rank count, and Spark's
 * fixed cost per round. Arguments: {@code [master] [ranksPerPartition]} (defaults {@code local[*]},
 * ⌈n / cores⌉). The per-round overhead is measured on an 8-element AllReduce; algbw = S / time,
 * busbw = algbw · 2(n−1)/n (NCCL PERFORMANCE.md).
 */
public final class AllReduceBenchmark {
    private static final int[] RANKS = {2, 4, 8};
    private static final int[] SIZES_KIB = {64, 256, 1024, 4096, 16384};

    private AllReduceBenchmark() {}

    public static void main(String[] args) {
        String master = args.length > 0 ? args[0] : "local[*]";
        int fixedRpp = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        SparkContext spark = SparkSessions.context(master);
        try {
            run(new PrintWriter(System.out, true), spark, fixedRpp);
        } finally {
            spark.stop();
        }
    }

    /** Prints the table for every rank count and size; {@code fixedRpp} 0 picks ⌈n / cores⌉ ranks per partition. */
    public static void run(PrintWriter out, SparkContext spark, int fixedRpp) {
        int cores = spark.defaultParallelism();
        out.printf(Locale.ROOT, "executed ring AllReduce, fp32, master %s (%d cores)%n", spark.master(), cores);
        out.printf(Locale.ROOT, "%5s %4s %9s %7s %10s %11s %11s %12s %14s%n", "ranks", "rpp", "size", "rounds",
                "ms/op", "ms/round", "algbw MB/s", "busbw MB/s", "shuffle B/op");
        for (int n : RANKS) {
            int rpp = fixedRpp > 0 ? fixedRpp : Math.max(1, (n + cores - 1) / cores);
            double overhead = measure(spark, n, rpp, 8, 5)[0];
            out.printf(Locale.ROOT, "%5d %4d %9s %7d %10.1f %11.1f %11s %12s %14s%n", n, rpp, "8 elems",
                    2 * (n - 1), overhead, overhead / (2 * (n - 1)), "-", "-", "-");
            for (int kib : SIZES_KIB) {
                double[] r = measure(spark, n, rpp, kib * 256, kib >= 4096 ? 2 : 3);
                double bytes = kib * 1024.0;
                double algbw = bytes / (r[0] / 1e3) / 1e6;
                out.printf(Locale.ROOT, "%5d %4d %6d KiB %7d %10.1f %11.1f %11.1f %12.1f %14.0f%n", n, rpp, kib,
                        2 * (n - 1), r[0], r[0] / (2 * (n - 1)), algbw, algbw * 2 * (n - 1) / n, r[1]);
            }
            out.flush();
        }
    }

    /** {@return [median milliseconds per AllReduce, Spark shuffle-write bytes of one AllReduce]} */
    private static double[] measure(SparkContext spark, int n, int rpp, int elements, int reps) {
        List<Double> ms = new ArrayList<>();
        double shuffle = 0;
        Topology topology = new Topology(n, rpp, n, "local", "local");
        for (int rep = 0; rep < reps + 1; rep++) {
            try (SuperstepEngine engine = new SuperstepEngine(spark, topology, new Program(elements))) {
                long start = System.nanoTime();
                engine.runStep();
                double elapsed = (System.nanoTime() - start) / 1e6;
                if (rep > 0) ms.add(elapsed);   // the first repetition warms up
                shuffle = engine.sparkShuffleBytesBySender().values().stream().mapToLong(Long::longValue).sum();
            }
        }
        Collections.sort(ms);
        return new double[] {ms.get(ms.size() / 2), shuffle};
    }

    /** Every rank holds {@code elements} fp32 values and all-reduces them once. */
    private static final class Program implements RankProgram {
        private static final long serialVersionUID = 1L;
        private final int elements;
        private final List<Op> ops;

        Program(int elements) {
            this.elements = elements;
            this.ops = List.of(new RingAllReduce(List.of(Seg.whole("x", elements))));
        }

        @Override
        public void init(RankState rank) {
            Buf x = rank.alloc("x", MemCategory.COMM_BUFFERS, Dtype.F32, elements);
            for (int i = 0; i < elements; i++) x.set(i, (rank.rank() + i) % 7);
        }

        @Override
        public List<Op> ops() { return ops; }
    }
}

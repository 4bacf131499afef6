package dev.parasim.exec.spark;

import dev.parasim.exec.RankProgram;
import dev.parasim.exec.RankPrograms;
import dev.parasim.exec.RankState;
import dev.parasim.exec.Topology;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.IntStream;

/**
 * Runs rank programs as Spark supersteps. The ranks' state is an RDD with one {@link HostedPartition}
 * per partition, persisted after every superstep and locally checkpointed after every batch of up to
 * {@value #BATCH} supersteps chained into one job (so lineage stays short and a step needs few jobs;
 * the number of supersteps is known from the program). A superstep shuffles the previous superstep's cross-partition messages with a
 * {@link RankPartitioner} (keyed by destination rank), zips them into the state partitions, and runs
 * every rank up to its next communication round: only messages are shuffled, never rank state.
 */
public final class SuperstepEngine implements AutoCloseable {
    /** Supersteps chained into one Spark job (the lineage between local checkpoints). */
    static final int BATCH = 16;
    static final String MESSAGES = "parasim-messages-";

    private final JavaSparkContext jsc;
    private final Topology topology;
    private final RankPrograms programs;
    private final RankPartitioner partitioner;
    private final ShuffleMeter meter;
    private final String runId = "run-" + UUID.randomUUID();
    private final List<Long> crossPartitionSent = new ArrayList<>();
    private final List<Long> inPartitionSent = new ArrayList<>();
    private JavaRDD<HostedPartition> state;
    private int generation;
    private int jobs;
    /** The first superstep of the current step after which no rank was busy (−1 until then). */
    private int firstIdle = -1;
    private java.util.function.IntConsumer afterBatch = generation -> {};

    public SuperstepEngine(SparkSession spark, Topology topology, RankProgram program) {
        this(spark, topology, RankPrograms.same(program, topology.world()));
    }

    /** An engine whose ranks may run different programs (pipeline stages). */
    public SuperstepEngine(SparkSession spark, Topology topology, RankPrograms programs) {
        this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.topology = topology;
        this.programs = programs;
        this.partitioner = new RankPartitioner(topology);
        this.meter = ShuffleMeter.of(spark.sparkContext());
        int partitions = topology.partitions();
        List<Integer> ids = IntStream.range(0, partitions).boxed().toList();
        Topology t = topology;
        JavaRDD<HostedPartition> init = jsc.parallelize(ids, partitions)
                .mapPartitionsWithIndex((index, ignored) -> List.of(new HostedPartition(index, t, programs)).iterator(), true);
        materialize(init);
        state = init;
        crossPartitionSent.add(0L);
        inPartitionSent.add(0L);
    }

    /** {@return the id under which this run's jobs and shuffle bytes are recorded} */
    public String runId() { return runId; }

    public Topology topology() { return topology; }

    /** Calls {@code listener} with the superstep number after every batch of supersteps (progress lines). */
    public void afterBatch(java.util.function.IntConsumer listener) { this.afterBatch = listener; }

    /**
     * Runs one optimizer step: the programs' expected {@link RankPrograms#supersteps} supersteps, chained
     * in batches of at most {@value #BATCH} per Spark job, then further batches while a rank is still
     * inside its step (ranks that wait for each other take longer than the estimate); {@return supersteps
     * until every rank had finished its step} (later supersteps of the last batch idle)
     */
    public int runStep() {
        int expected = programs.supersteps();
        int limit = 4 * expected + 4 * BATCH;
        int start = generation;
        firstIdle = -1;
        int done = 0;
        long busy = 1;
        while (busy > 0) {
            if (done >= limit)
                throw new IllegalStateException(busy + " ranks are still inside the step after " + done + " supersteps");
            int batch = done < expected ? Math.min(BATCH, expected - done) : BATCH;
            busy = run(batch, done == 0);
            done += batch;
        }
        return firstIdle - start;
    }

    /** Runs one superstep (the first of a step if {@code startStep}); {@return how many ranks are still inside their step} */
    public long superstep(boolean startStep) {
        return run(1, startStep);
    }

    /**
     * Chains {@code count} supersteps lazily — each shuffles the previous one's cross-partition
     * messages and zips them into the (persisted) state — and materializes them with one job.
     */
    private long run(int count, boolean startStep) {
        List<JavaRDD<HostedPartition>> chain = new ArrayList<>();
        JavaRDD<HostedPartition> current = state;
        for (int i = 0; i < count; i++) {
            int gen = generation + 1 + i;
            boolean start = startStep && i == 0;
            boolean batchStart = i == 0;
            JavaPairRDD<Integer, byte[]> messages = current.flatMapToPair(HostedPartition::outgoing)
                    .setName(MESSAGES + (gen - 1)).partitionBy(partitioner);
            current = current.zipPartitions(messages,
                    (hosted, incoming) -> List.of(hosted.next().superstep(gen, start, batchStart, incoming)).iterator());
            current.persist(StorageLevel.MEMORY_AND_DISK());
            chain.add(current);
        }
        long[] status = materialize(current);
        drop(state);
        for (int i = 0; i < chain.size() - 1; i++) drop(chain.get(i));
        state = current;
        generation += count;
        afterBatch.accept(generation);
        Map<Integer, long[]> bySuperstep = new TreeMap<>();
        for (int i = 1; i + 3 < status.length; i += 4)
            bySuperstep.merge((int) status[i], new long[] {status[i + 1], status[i + 2], status[i + 3]},
                    (a, b) -> new long[] {a[0] + b[0], a[1] + b[1], a[2] + b[2]});
        bySuperstep.forEach((gen, v) -> {
            if (v[2] == 0 && firstIdle < 0) firstIdle = gen;
        });
        bySuperstep.values().forEach(v -> {
            crossPartitionSent.add(v[0]);
            inPartitionSent.add(v[1]);
        });
        return status[0];
    }

    /** Persists, locally checkpoints and computes {@code rdd}; {@return the partitions' statuses: busy ranks summed, logs concatenated} */
    private long[] materialize(JavaRDD<HostedPartition> rdd) {
        rdd.persist(StorageLevel.MEMORY_AND_DISK());
        rdd.rdd().localCheckpoint();
        jsc.setLocalProperty(ShuffleMeter.RUN, runId);
        try {
            List<long[]> parts = rdd.map(HostedPartition::status).collect();
            jobs++;
            int length = 1;
            for (long[] p : parts) length += p.length - 1;
            long[] out = new long[length];
            int at = 1;
            for (long[] p : parts) {
                out[0] += p[0];
                System.arraycopy(p, 1, out, at, p.length - 1);
                at += p.length - 1;
            }
            return out;
        } finally {
            jsc.setLocalProperty(ShuffleMeter.RUN, null);
        }
    }

    /**
     * Unpersists a superseded state RDD. {@code RDD.unpersist} would warn that a locally checkpointed
     * RDD cannot be recomputed, which is intended here (the next superstep's state has replaced it).
     */
    private void drop(JavaRDD<HostedPartition> rdd) {
        jsc.sc().unpersistRDD(rdd.id(), false);
    }

    /** {@return f applied to every rank, in rank order (results only: rank state stays in its partition)} */
    public <T> List<T> collect(Function<RankState, T> f) {
        List<RankResult<T>> all = state.flatMap(h -> {
            List<RankResult<T>> out = new ArrayList<>();
            for (RankState r : h.ranks()) out.add(new RankResult<>(r.rank(), f.call(r)));
            return out.iterator();
        }).collect();
        List<RankResult<T>> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparingInt(RankResult::rank));
        return sorted.stream().map(RankResult::value).toList();
    }

    /** {@return counted cross-partition payload bytes by the superstep that sent them} */
    public List<Long> crossPartitionSentBySuperstep() { return List.copyOf(crossPartitionSent); }

    /** {@return counted in-partition payload bytes by the superstep that sent them} */
    public List<Long> inPartitionSentBySuperstep() { return List.copyOf(inPartitionSent); }

    /**
     * {@return Spark's shuffle-write bytes keyed by the superstep whose messages they carried} (the
     * messages sent in superstep g are shuffled by the job of superstep g + 1). Waits for the listener.
     */
    public Map<Integer, Long> sparkShuffleBytesBySender() {
        meter.await(runId, jobs, 60_000);
        return new TreeMap<>(meter.bytesBySuperstep(runId));
    }

    /** {@return the current superstep number (0 before the first)} */
    public int generation() { return generation; }

    @Override
    public void close() {
        drop(state);
        meter.forget(runId);
    }

    /** One rank's result, tagged for ordering. */
    public record RankResult<T>(int rank, T value) implements java.io.Serializable {}
}

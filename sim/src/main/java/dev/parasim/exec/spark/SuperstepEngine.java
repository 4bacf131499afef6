package dev.parasim.exec.spark;

import dev.parasim.exec.RankProgram;
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
 * per partition, persisted and locally checkpointed after every superstep (so lineage stays one
 * superstep long). A superstep shuffles the previous superstep's cross-partition messages with a
 * {@link RankPartitioner} (keyed by destination rank), zips them into the state partitions, and runs
 * every rank up to its next communication round: only messages are shuffled, never rank state.
 */
public final class SuperstepEngine implements AutoCloseable {
    private static final int MAX_SUPERSTEPS_PER_STEP = 1_000_000;

    private final JavaSparkContext jsc;
    private final Topology topology;
    private final RankPartitioner partitioner;
    private final ShuffleMeter meter;
    private final String runId = "run-" + UUID.randomUUID();
    private final List<Long> crossPartitionSent = new ArrayList<>();
    private final List<Long> inPartitionSent = new ArrayList<>();
    private JavaRDD<HostedPartition> state;
    private int generation;
    private int jobs;

    public SuperstepEngine(SparkSession spark, Topology topology, RankProgram program) {
        this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.topology = topology;
        this.partitioner = new RankPartitioner(topology);
        this.meter = ShuffleMeter.of(spark.sparkContext());
        int partitions = topology.partitions();
        List<Integer> ids = IntStream.range(0, partitions).boxed().toList();
        Topology t = topology;
        JavaRDD<HostedPartition> init = jsc.parallelize(ids, partitions)
                .mapPartitionsWithIndex((index, ignored) -> List.of(new HostedPartition(index, t, program)).iterator(), true);
        materialize(init);
        state = init;
        crossPartitionSent.add(0L);
        inPartitionSent.add(0L);
    }

    /** {@return the id under which this run's jobs and shuffle bytes are recorded} */
    public String runId() { return runId; }

    public Topology topology() { return topology; }

    /** Runs one optimizer step (every rank's program, start to end); {@return supersteps it took} */
    public int runStep() {
        int supersteps = 1;
        long busy = superstep(true);
        while (busy > 0) {
            if (++supersteps > MAX_SUPERSTEPS_PER_STEP) throw new IllegalStateException("step did not finish");
            busy = superstep(false);
        }
        return supersteps;
    }

    /** Runs one superstep; {@return how many ranks are still inside their step} */
    public long superstep(boolean startStep) {
        int gen = generation + 1;
        JavaPairRDD<Integer, byte[]> messages = state.flatMapToPair(HostedPartition::outgoing).partitionBy(partitioner);
        JavaRDD<HostedPartition> next = state.zipPartitions(messages,
                (hosted, incoming) -> List.of(hosted.next().superstep(gen, startStep, incoming)).iterator());
        long[] status = materialize(next);
        drop(state);
        state = next;
        generation = gen;
        crossPartitionSent.add(status[1]);
        inPartitionSent.add(status[2]);
        return status[0];
    }

    private long[] materialize(JavaRDD<HostedPartition> rdd) {
        rdd.persist(StorageLevel.MEMORY_AND_DISK());
        rdd.rdd().localCheckpoint();
        jsc.setLocalProperty(ShuffleMeter.RUN, runId);
        jsc.setLocalProperty(ShuffleMeter.SUPERSTEP, Integer.toString(generation + 1));
        try {
            List<long[]> parts = rdd.map(HostedPartition::status).collect();
            jobs++;
            long[] sum = new long[3];
            for (long[] p : parts) for (int i = 0; i < 3; i++) sum[i] += p[i];
            return sum;
        } finally {
            jsc.setLocalProperty(ShuffleMeter.RUN, null);
            jsc.setLocalProperty(ShuffleMeter.SUPERSTEP, null);
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
        Map<Integer, Long> out = new TreeMap<>();
        meter.bytesBySuperstep(runId).forEach((consumer, b) -> out.put(consumer - 1, b));
        return out;
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

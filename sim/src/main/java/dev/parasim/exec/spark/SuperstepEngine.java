package dev.parasim.exec.spark;

import dev.parasim.exec.Backend;
import dev.parasim.exec.HostedPartition;
import dev.parasim.exec.RankProgram;
import dev.parasim.exec.RankPrograms;
import dev.parasim.exec.RankState;
import dev.parasim.exec.Topology;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rdd.ShuffledRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.IntStream;

/**
 * The Spark {@link Backend}: runs rank programs as Spark supersteps. The ranks' state is an RDD with one
 * {@link HostedPartition} per partition (in a {@link Hosted}, which tells Spark its size), persisted after every superstep
 * and locally checkpointed after
 * every batch of up to {@value Backend#BATCH} supersteps chained into one job (so lineage stays short and
 * a step needs few jobs; the number of supersteps is known from the program). A superstep shuffles the
 * previous superstep's cross-partition messages with a {@link RankPartitioner} (keyed by destination rank),
 * zips them into the state partitions, and runs every rank up to its next communication round: only
 * messages are shuffled, never rank state. A superstep after one that sent nothing across partitions (known from
 * the step before: {@link Backend#lastStepRounds}) is a narrow map instead, run in the same task as the one before.
 */
public final class SuperstepEngine extends Backend {
    static final String MESSAGES = "parasim-messages-";

    private final JavaSparkContext jsc;
    private final RankPartitioner partitioner;
    private final ShuffleMeter meter;
    private final ShuffleSerializer serializer;
    private final String runId = "run-" + UUID.randomUUID();
    private JavaRDD<Hosted> state;
    private int jobs;

    public SuperstepEngine(SparkContext spark, Topology topology, RankProgram program) {
        this(spark, topology, RankPrograms.same(program, topology.world()));
    }

    /** An engine whose ranks may run different programs (pipeline stages). */
    public SuperstepEngine(SparkContext spark, Topology topology, RankPrograms programs) {
        super(topology, programs);
        this.jsc = JavaSparkContext.fromSparkContext(spark);
        this.partitioner = new RankPartitioner(topology);
        this.meter = ShuffleMeter.of(spark);
        this.serializer = new ShuffleSerializer(spark.getConf());
        int partitions = topology.partitions();
        List<Integer> ids = IntStream.range(0, partitions).boxed().toList();
        Topology t = topology;
        JavaRDD<Hosted> init = jsc.parallelize(ids, partitions)
                .mapPartitionsWithIndex((index, ignored) -> List.of(new Hosted(new HostedPartition(index, t, programs))).iterator(), true);
        materialize(init);
        state = init;
    }

    /** {@return the id under which this run's jobs and shuffle bytes are recorded} */
    public String runId() { return runId; }

    /**
     * Chains {@code count} supersteps lazily — each shuffles the previous one's cross-partition
     * messages and zips them into the (persisted) state — and materializes them with one job.
     */
    @Override
    protected long[] runBatch(int first, int count, boolean startStep, boolean[] quiet) {
        List<JavaRDD<Hosted>> chain = new ArrayList<>();
        JavaRDD<Hosted> current = state;
        for (int i = 0; i < count; i++) {
            int gen = first + i;
            boolean start = startStep && i == 0;
            boolean batchStart = i == 0;
            // Kept only where two RDDs read it (the next superstep's messages and its zip): the state changes in place,
            // so it must never be computed twice; storing every superstep's cost more than the supersteps themselves.
            boolean readTwice = i == count - 1 || !quiet[i + 1];
            if (quiet[i]) {
                // Nothing to shuffle: a narrow map, which Spark runs in the same task as the superstep before.
                current = current.rdd().map(new SuperstepFunctions.Quiet(gen, start, batchStart), SuperstepFunctions.HOSTED).toJavaRDD();
                if (readTwice) {
                    current.persist(StorageLevel.MEMORY_AND_DISK());
                    chain.add(current);
                }
                continue;
            }
            RDD<Tuple2<Integer, byte[]>> outgoing = current.rdd().flatMap(new SuperstepFunctions.Outgoing(), SuperstepFunctions.MESSAGE)
                    .setName(MESSAGES + (gen - 1));
            // What partitionBy builds, with a serializer that deserializes without reading the JVM's system properties.
            RDD<Tuple2<Integer, byte[]>> messages = new ShuffledRDD<Integer, byte[], byte[]>(outgoing, partitioner,
                    SuperstepFunctions.RANK, SuperstepFunctions.WIRE, SuperstepFunctions.WIRE).setSerializer(serializer);
            current = current.rdd().zipPartitions(messages, false, new SuperstepFunctions.Step(gen, start, batchStart),
                    SuperstepFunctions.MESSAGE, SuperstepFunctions.HOSTED).toJavaRDD();
            if (readTwice) {
                current.persist(StorageLevel.MEMORY_AND_DISK());
                chain.add(current);
            }
        }
        long[] status = materialize(current);
        drop(state);
        for (int i = 0; i < chain.size() - 1; i++) drop(chain.get(i));
        state = current;
        return status;
    }

    /** Persists, locally checkpoints and computes {@code rdd}; {@return the partitions' statuses merged} */
    private long[] materialize(JavaRDD<Hosted> rdd) {
        rdd.persist(StorageLevel.MEMORY_AND_DISK());
        rdd.rdd().localCheckpoint();
        jsc.setLocalProperty(ShuffleMeter.RUN, runId);
        try {
            // A named function, not a lambda: Spark reads a lambda's class file to clean it, for every job.
            List<long[]> parts = List.of((long[][]) rdd.rdd().map(new SuperstepFunctions.Status(), SuperstepFunctions.STATUS).collect());
            jobs++;
            return merge(parts);
        } finally {
            jsc.setLocalProperty(ShuffleMeter.RUN, null);
        }
    }

    /**
     * Unpersists a superseded state RDD. {@code RDD.unpersist} would warn that a locally checkpointed
     * RDD cannot be recomputed, which is intended here (the next superstep's state has replaced it).
     */
    private void drop(JavaRDD<Hosted> rdd) {
        jsc.sc().unpersistRDD(rdd.id(), false);
    }

    @Override
    public <T> List<T> collect(RankQuery<T> q) {
        List<RankResult<T>> all = state.flatMap(h -> {
            List<RankResult<T>> out = new ArrayList<>();
            for (RankState r : h.partition().ranks()) out.add(new RankResult<>(r.rank(), q.apply(r)));
            return out.iterator();
        }).collect();
        List<RankResult<T>> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparingInt(RankResult::rank));
        return sorted.stream().map(RankResult::value).toList();
    }

    /**
     * {@return Spark's shuffle-write bytes keyed by the superstep whose messages they carried} (the
     * messages sent in superstep g are shuffled by the job of superstep g + 1). Waits for the listener.
     */
    public Map<Integer, Long> sparkShuffleBytesBySender() {
        meter.await(runId, jobs, 60_000);
        return new TreeMap<>(meter.bytesBySuperstep(runId));
    }

    @Override
    public long transportBytesAfter(int superstep) {
        long bytes = 0;
        for (Map.Entry<Integer, Long> s : sparkShuffleBytesBySender().entrySet()) if (s.getKey() > superstep) bytes += s.getValue();
        return bytes;
    }

    @Override
    public void close() {
        drop(state);
        meter.forget(runId);
    }

    /** One rank's result, tagged for ordering. */
    record RankResult<T>(int rank, T value) implements java.io.Serializable {}
}

package dev.parasim.exec.spark;

import dev.parasim.exec.Execution;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.InProcessBackend;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import org.apache.spark.SparkContext;

/**
 * Entry point of the executed simulation: runs one plan ({@link Execution}) with its ranks hosted in Spark
 * partitions ({@link SuperstepEngine}; or, for tests, in this JVM: {@link InProcessBackend}). Works on any
 * master; rank state never leaves the executors.
 */
public final class ExecutedRun {
    private ExecutedRun() {}

    /**
     * Run options.
     *
     * @param ranksPerPartition simulated ranks per partition (0: ⌈world / parallelism⌉, the parallelism being
     *                          Spark's defaultParallelism, or in process the JVM's available processors)
     * @param reference         also run the single-rank reference on the driver and compare
     * @param transport         what hosts the ranks and moves their messages
     * @param progress          told (supersteps done, supersteps expected for all steps) after every batch
     */
    public record Options(int ranksPerPartition, boolean reference, Transport transport,
                          java.util.function.BiConsumer<Integer, Integer> progress) {
        public static final Options DEFAULT = new Options(0, true, Transport.SPARK);

        /** Spark-hosted ranks. */
        public Options(int ranksPerPartition, boolean reference) {
            this(ranksPerPartition, reference, Transport.SPARK);
        }

        public Options(int ranksPerPartition, boolean reference, Transport transport) {
            this(ranksPerPartition, reference, transport, (done, total) -> {});
        }

        /** Spark-hosted ranks, with progress. */
        public Options(int ranksPerPartition, boolean reference, java.util.function.BiConsumer<Integer, Integer> progress) {
            this(ranksPerPartition, reference, Transport.SPARK, progress);
        }
    }

    /** The backend a run uses. */
    public enum Transport {
        /** {@link SuperstepEngine}: ranks in Spark partitions, messages in Spark shuffles (every real run) */
        SPARK,
        /** {@link InProcessBackend}: every partition in this JVM, messages handed over directly (tests); no Spark shuffle bytes */
        IN_PROCESS
    }

    public static ExecutedResult run(SparkContext spark, Experiment e, ParallelPlan plan) {
        return run(spark, e, plan, Options.DEFAULT);
    }

    /** {@return the run of {@code plan} with its ranks in this JVM, without Spark (the same counts, losses and parameters)} */
    public static ExecutedResult inProcess(Experiment e, ParallelPlan plan, Options options) {
        return execute(null, e, plan, new Options(options.ranksPerPartition(), options.reference(), Transport.IN_PROCESS, options.progress()));
    }

    public static ExecutedResult run(SparkContext spark, Experiment e, ParallelPlan plan, Options options) {
        if (options.transport() == Transport.SPARK && spark == null)
            throw new IllegalArgumentException("spark: a Spark-hosted run needs a SparkContext, found none");
        return execute(spark, e, plan, options);
    }

    private static ExecutedResult execute(SparkContext spark, Experiment e, ParallelPlan plan, Options options) {
        if (options.transport() == Transport.SPARK)
            return Execution.run(e, plan, options.ranksPerPartition(), spark.defaultParallelism(), options.reference(),
                    options.progress(), (topology, programs) -> new SuperstepEngine(spark, topology, programs));
        return Execution.run(e, plan, options.ranksPerPartition(), Runtime.getRuntime().availableProcessors(), options.reference(),
                options.progress(), InProcessBackend::new);
    }
}

package dev.parasim.exec.spark;

import dev.parasim.exec.HostedPartition;
import org.apache.spark.util.KnownSizeEstimation;

import java.io.Serializable;

/**
 * A {@link HostedPartition} as one element of the engine's state RDD, telling Spark's block store its size
 * ({@link HostedPartition#heapBytes}) instead of letting Spark's SizeEstimator walk the ranks' whole object graph
 * (programs, event logs, tensors) every time a superstep's state is persisted: that walk was 15% of the main job's
 * CPU samples (JFR over {@code sim run} of the executed experiments).
 */
final class Hosted implements Serializable, KnownSizeEstimation {
    private static final long serialVersionUID = 1L;

    private final HostedPartition partition;

    Hosted(HostedPartition partition) { this.partition = partition; }

    HostedPartition partition() { return partition; }

    /** Runs {@link HostedPartition#superstep}; {@return this} */
    Hosted superstep(int generation, boolean startStep, boolean batchStart, java.util.Iterator<byte[]> incoming) {
        partition.superstep(generation, startStep, batchStart, incoming);
        return this;
    }

    /** Runs {@link HostedPartition#quietSuperstep}; {@return this} */
    Hosted quietSuperstep(int generation, boolean startStep, boolean batchStart) {
        partition.quietSuperstep(generation, startStep, batchStart);
        return this;
    }

    @Override
    public long estimatedSize() { return partition.heapBytes(); }
}

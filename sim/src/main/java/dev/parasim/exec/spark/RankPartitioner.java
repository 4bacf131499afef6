package dev.parasim.exec.spark;

import dev.parasim.exec.Topology;
import org.apache.spark.Partitioner;

/** Sends a message keyed by destination rank to the partition hosting that rank. */
public final class RankPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int partitions;
    private final int ranksPerPartition;

    public RankPartitioner(Topology topology) {
        this.partitions = topology.partitions();
        this.ranksPerPartition = topology.ranksPerPartition();
    }

    @Override public int numPartitions() { return partitions; }

    @Override public int getPartition(Object key) { return (Integer) key / ranksPerPartition; }

    @Override public boolean equals(Object o) {
        return o instanceof RankPartitioner p && p.partitions == partitions && p.ranksPerPartition == ranksPerPartition;
    }

    @Override public int hashCode() { return 31 * partitions + ranksPerPartition; }
}

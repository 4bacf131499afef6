package dev.parasim.exec;

import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.SpecException;

import java.io.Serializable;

/**
 * Where simulated ranks sit: on simulated nodes of {@code gpusPerNode} ranks (rank placement is TP
 * innermost, then DP, then PP ({@link RankGrid}), so a rank's node is rank / gpusPerNode) and in Spark partitions of
 * {@code ranksPerPartition} consecutive ranks. Ranks of one partition exchange in memory; all
 * other messages are moved by a Spark shuffle.
 *
 * @param nodeTier    name of the link tier between ranks of one node
 * @param clusterTier name of the link tier between nodes
 */
public record Topology(int world, int ranksPerPartition, int gpusPerNode, String nodeTier, String clusterTier,
                       RankGrid grid) implements Serializable {

    public Topology {
        if (world <= 0) throw new SpecException("world", "must be positive", world);
        if (ranksPerPartition <= 0) throw new SpecException("ranksPerPartition", "must be positive", ranksPerPartition);
        if (gpusPerNode <= 0) throw new SpecException("gpusPerNode", "must be positive", gpusPerNode);
        if (grid == null || grid.world() != world) throw new SpecException("world", "must equal dp·tp·pp = " + (grid == null ? "?" : grid.world()), world);
    }

    /** A topology of {@code world} data-parallel ranks (tp = pp = 1). */
    public Topology(int world, int ranksPerPartition, int gpusPerNode, String nodeTier, String clusterTier) {
        this(world, ranksPerPartition, gpusPerNode, nodeTier, clusterTier, RankGrid.dataParallel(world));
    }

    /** {@return the topology of the ranks of {@code grid} on {@code cluster}} */
    public static Topology of(ClusterSpec cluster, RankGrid grid, int ranksPerPartition) {
        return new Topology(grid.world(), ranksPerPartition, cluster.gpusPerNode(), cluster.nodeTier().name(),
                cluster.clusterTier().name(), grid);
    }

    /** {@return the topology of {@code world} ranks on {@code cluster}} */
    public static Topology of(ClusterSpec cluster, int world, int ranksPerPartition) {
        return new Topology(world, ranksPerPartition, cluster.gpusPerNode(), cluster.nodeTier().name(),
                cluster.clusterTier().name());
    }

    /** {@return Spark partitions hosting the ranks: ⌈world / ranksPerPartition⌉} */
    public int partitions() { return (world + ranksPerPartition - 1) / ranksPerPartition; }

    public int partitionOf(int rank) { return rank / ranksPerPartition; }

    public int nodeOf(int rank) { return rank / gpusPerNode; }

    /** {@return 0 if both ranks are on one simulated node (node tier), else 1 (cluster tier)} */
    public int tierIndex(int a, int b) { return nodeOf(a) == nodeOf(b) ? 0 : 1; }

    public String tierName(int index) { return index == 0 ? nodeTier : clusterTier; }
}

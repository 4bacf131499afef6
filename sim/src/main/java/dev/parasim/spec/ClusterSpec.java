package dev.parasim.spec;

import java.util.HashSet;
import java.util.List;

/** A homogeneous GPU cluster: nodes of {@code gpusPerNode} GPUs, linked by ordered tiers (innermost first). */
public record ClusterSpec(String name, GpuSpec gpu, int gpusPerNode, int nodes, List<LinkTier> tiers,
                          Calibration calibration) {

    public ClusterSpec {
        Check.name("name", name);
        if (gpu == null) throw new SpecException("gpu", "is required", null);
        Check.atMost("gpusPerNode", Check.positive("gpusPerNode", gpusPerNode), Limits.MAX_GPUS);
        Check.atMost("nodes", Check.positive("nodes", nodes), Limits.MAX_GPUS);
        if ((long) gpusPerNode * nodes > Limits.MAX_GPUS)
            throw new SpecException("nodes", "gpusPerNode·nodes must be at most " + Limits.MAX_GPUS, (long) gpusPerNode * nodes);
        tiers = List.copyOf(tiers);
        if (tiers.isEmpty()) throw new SpecException("tiers", "must name at least one tier", tiers);
        var names = new HashSet<String>();
        for (int i = 0; i < tiers.size(); i++)
            if (!names.add(tiers.get(i).name()))
                throw new SpecException("tiers[" + i + "].name", "must be unique", tiers.get(i).name());
        if (gpusPerNode > 1 && nodeTier(tiers) == null)
            throw new SpecException("tiers", "must include a tier of scope node when gpusPerNode > 1", tiers.size() + " tiers");
        if (nodes > 1 && clusterTier(tiers) == null)
            throw new SpecException("tiers", "must include a tier of scope cluster when nodes > 1", tiers.size() + " tiers");
        if (calibration == null) calibration = Calibration.forGpu(gpu.name());
    }

    public int gpus() { return gpusPerNode * nodes; }

    /** {@return the tier that links GPUs of one node (the cluster tier on single-GPU nodes)} */
    public LinkTier nodeTier() { return nodeTier(tiers) != null ? nodeTier(tiers) : clusterTier(tiers); }

    /** {@return the tier that links nodes (the node tier in a one-node cluster)} */
    public LinkTier clusterTier() { return clusterTier(tiers) != null ? clusterTier(tiers) : nodeTier(tiers); }

    public ClusterSpec withNodes(int newNodes) {
        return new ClusterSpec(name, gpu, gpusPerNode, newNodes, tiers, calibration);
    }

    private static LinkTier nodeTier(List<LinkTier> tiers) {
        return first(tiers, TierScope.NODE);
    }

    private static LinkTier clusterTier(List<LinkTier> tiers) {
        return first(tiers, TierScope.CLUSTER);
    }

    /** {@return the first tier of this scope, or null}; a loop, not a stream: a sweep asks several times per plan */
    private static LinkTier first(List<LinkTier> tiers, TierScope scope) {
        for (int i = 0; i < tiers.size(); i++) if (tiers.get(i).scope() == scope) return tiers.get(i);
        return null;
    }
}

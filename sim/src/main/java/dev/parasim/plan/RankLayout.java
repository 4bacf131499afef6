package dev.parasim.plan;

import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.ParallelPlan;

import java.io.Serializable;

/**
 * Rank placement, the one copy every interpreter reads (the accountant's spans, the step program's groups, the
 * executor's rank grid): rank = tp + t·(cp + c·(dp + d·pp)) — TP innermost, then CP, DP, PP outermost — and
 * GPUs fill nodes in rank order. A group along an axis is the ranks that differ from a rank in that coordinate
 * only; it crosses a tier when its ranks span nodes.
 */
public record RankLayout(ParallelPlan plan, int gpusPerNode) implements Serializable {

    public RankLayout {
        if (plan == null) throw new IllegalArgumentException("plan: is required");
        if (gpusPerNode <= 0) throw new IllegalArgumentException("gpusPerNode: must be positive, found " + gpusPerNode);
    }

    public static RankLayout of(ParallelPlan plan, ClusterSpec cluster) {
        return new RankLayout(plan, cluster.gpusPerNode());
    }

    public int degree(Axis axis) {
        return switch (axis) {
            case TP -> plan.tp();
            case CP -> plan.cp();
            case DP -> plan.dp();
            case PP -> plan.pp();
            case EP -> plan.ep();
        };
    }

    /** {@return the distance in rank between neighbours of one group along an axis} */
    public int stride(Axis axis) {
        return switch (axis) {
            case TP -> 1;
            case CP -> plan.tp();
            case DP, EP -> plan.tp() * plan.cp();
            case PP -> plan.tp() * plan.cp() * plan.dp();
        };
    }

    /** {@return the rank at the given coordinates} */
    public int rank(int tp, int cp, int dp, int pp) {
        return tp + plan.tp() * (cp + plan.cp() * (dp + plan.dp() * pp));
    }

    /** {@return the number of ranks: dp·tp·pp·cp} */
    public int world() { return plan.dp() * plan.tp() * plan.pp() * plan.cp(); }

    /** {@return {@code rank}'s coordinate along {@code axis} (its stage for PP)} */
    public int coordinate(Axis axis, int rank) {
        if (rank < 0 || rank >= world()) throw new IllegalArgumentException("rank: must be in [0, " + world() + "), found " + rank);
        return rank / stride(axis) % degree(axis);
    }

    /** {@return the members of {@code rank}'s group along {@code axis}, in rank order (its own coordinate's place included)} */
    public int[] members(Axis axis, int rank) {
        int stride = stride(axis), first = rank - coordinate(axis, rank) * stride;
        int[] out = new int[degree(axis)];
        for (int i = 0; i < out.length; i++) out[i] = first + i * stride;
        return out;
    }

    public int node(int rank) { return rank / gpusPerNode; }

    /** {@return how a group along {@code axis} sits on nodes (every group of an axis sits alike)} */
    public GroupSpan span(Axis axis) {
        return span(degree(axis), stride(axis));
    }

    /** {@return how a group of {@code n} ranks, {@code stride} apart, sits on nodes} */
    public GroupSpan span(int n, int stride) {
        if (n == 1) return new GroupSpan(1, 1, 1);
        int perNode = stride >= gpusPerNode ? 1 : Math.min(n, Math.max(1, gpusPerNode / stride));
        return new GroupSpan(n, perNode, (n + perNode - 1) / perNode);
    }

    /** {@return the gradient group: the dp·cp ranks that hold the same parameters (CP sits between TP and DP)} */
    public GroupSpan dataSpan() {
        return span(plan.dp() * plan.cp(), stride(Axis.CP));
    }

    /**
     * {@return the expert-data-parallel group: the dp·cp/ep ranks that hold the same experts}, the same CP
     * coordinates and the data-parallel ranks ep apart; placed by walking its members (it is not one stride)
     */
    public GroupSpan expertDataSpan() {
        if (plan.ep() == 1) return dataSpan();
        int perNodeMost = 0, nodes = 0, lastNode = -1, onNode = 0;
        // Members in rank order: dp coordinates 0, ep, 2·ep, …, each with its cp ranks; nodes are met in order.
        for (int d = 0; d < plan.dp(); d += plan.ep())
            for (int c = 0; c < plan.cp(); c++) {
                int node = node(rank(0, c, d, 0));
                if (node != lastNode) {
                    nodes++;
                    lastNode = node;
                    onNode = 0;
                }
                perNodeMost = Math.max(perNodeMost, ++onNode);
            }
        return new GroupSpan(plan.edp(), perNodeMost, nodes);
    }

    /** {@return whether pipeline stages {@code stage} and {@code stage + 1} of the first replica are on different nodes} */
    public boolean stageBoundaryCrossesNodes(int stage) {
        return node(rank(0, 0, 0, stage)) != node(rank(0, 0, 0, stage + 1));
    }
}

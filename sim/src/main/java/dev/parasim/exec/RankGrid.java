package dev.parasim.exec;

import dev.parasim.spec.SpecException;

import java.io.Serializable;

/**
 * Where each simulated rank sits in the dp × tp × pp grid, with the placement of
 * {@code plan.RankLayout} (cp = 1): rank = tp + t·(dp + d·pp), TP innermost, then DP, PP outermost.
 * A group is the ranks that differ from a rank in one coordinate only, in rank order.
 */
record RankGrid(int dp, int tp, int pp) implements Serializable {

    public RankGrid {
        if (dp <= 0) throw new SpecException("dp", "must be positive", dp);
        if (tp <= 0) throw new SpecException("tp", "must be positive", tp);
        if (pp <= 0) throw new SpecException("pp", "must be positive", pp);
    }

    /** {@return the grid of n data-parallel ranks (tp = pp = 1): every group is all ranks} */
    public static RankGrid dataParallel(int n) { return new RankGrid(n, 1, 1); }

    public int world() { return dp * tp * pp; }

    /** {@return the rank at coordinates (tp, dp, pp)} (same formula as plan.RankLayout.rank with cp = 0) */
    public int rank(int tpIndex, int dpIndex, int ppIndex) { return tpIndex + tp * (dpIndex + dp * ppIndex); }

    public int tpIndex(int rank) { return rank % tp; }

    public int dpIndex(int rank) { return (rank / tp) % dp; }

    public int stage(int rank) { return rank / (tp * dp); }

    /** {@return the members of {@code rank}'s group along {@code group}, in rank order} */
    public int[] members(Group group, int rank) {
        int t = tpIndex(rank), d = dpIndex(rank), s = stage(rank);
        return switch (group) {
            case DP -> {
                int[] out = new int[dp];
                for (int i = 0; i < dp; i++) out[i] = rank(t, i, s);
                yield out;
            }
            case TP -> {
                int[] out = new int[tp];
                for (int i = 0; i < tp; i++) out[i] = rank(i, d, s);
                yield out;
            }
            case EMBEDDING -> {
                if (pp == 1) yield new int[] {rank};
                if (s != 0 && s != pp - 1)
                    throw new IllegalStateException("rank " + rank + " on stage " + s + " is in no embedding group");
                yield new int[] {rank(t, d, 0), rank(t, d, pp - 1)};
            }
        };
    }

    /** {@return the position of {@code rank} in its group along {@code group}} */
    public int indexIn(Group group, int rank) {
        return switch (group) {
            case DP -> dpIndex(rank);
            case TP -> tpIndex(rank);
            case EMBEDDING -> stage(rank) == 0 ? 0 : 1;
        };
    }

    /** The groups a collective can run on. */
    public enum Group {
        /** the ranks holding the same parameters: same tp index and stage */
        DP,
        /** the ranks sharing one layer's tensors: same dp index and stage */
        TP,
        /** the first and last pipeline stage of one replica, which both hold the tied word embedding (Megatron) */
        EMBEDDING
    }
}

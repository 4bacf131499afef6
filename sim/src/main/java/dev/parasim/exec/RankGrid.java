package dev.parasim.exec;

import dev.parasim.plan.Axis;
import dev.parasim.plan.RankLayout;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.ZeroStage;

import java.io.Serializable;
import java.util.List;

/**
 * Where each simulated rank sits in the dp × tp × pp grid: {@code plan.RankLayout}'s placement (TP innermost, then
 * DP, PP outermost; the executor runs cp = 1), read from it rather than derived again. A group is the ranks that
 * differ from a rank in one coordinate only, in rank order.
 */
record RankGrid(RankLayout layout) implements Serializable {

    public RankGrid {
        if (layout == null) throw new IllegalArgumentException("layout: is required");
        if (layout.plan().cp() != 1) throw new SpecException("cp", "must be 1 to execute", layout.plan().cp());
    }

    /** The grid of a dp × tp × pp plan (cp = 1); placement does not depend on the schedule or ZeRO stage. */
    public RankGrid(int dp, int tp, int pp) {
        this(new RankLayout(new ParallelPlan("grid", dp, tp, pp, 1, ZeroStage.DDP,
                PipelineSchedule.ONE_F_ONE_B, 1, false, List.of()), 1));
    }

    /** {@return the grid of n data-parallel ranks (tp = pp = 1): every group is all ranks} */
    public static RankGrid dataParallel(int n) { return new RankGrid(n, 1, 1); }

    public int dp() { return layout.plan().dp(); }

    public int tp() { return layout.plan().tp(); }

    public int pp() { return layout.plan().pp(); }

    public int world() { return layout.world(); }

    /** {@return the rank at coordinates (tp, dp, pp)} */
    public int rank(int tpIndex, int dpIndex, int ppIndex) { return layout.rank(tpIndex, 0, dpIndex, ppIndex); }

    public int tpIndex(int rank) { return layout.coordinate(Axis.TP, rank); }

    public int dpIndex(int rank) { return layout.coordinate(Axis.DP, rank); }

    public int stage(int rank) { return layout.coordinate(Axis.PP, rank); }

    /** {@return the members of {@code rank}'s group along {@code group}, in rank order} */
    public int[] members(Group group, int rank) {
        return switch (group) {
            case DP -> layout.members(Axis.DP, rank);
            case TP -> layout.members(Axis.TP, rank);
            case EMBEDDING -> {
                int s = stage(rank), pp = pp();
                if (pp == 1) yield new int[] {rank};
                if (s != 0 && s != pp - 1)
                    throw new IllegalStateException("rank " + rank + " on stage " + s + " is in no embedding group");
                int[] stages = layout.members(Axis.PP, rank);
                yield new int[] {stages[0], stages[pp - 1]};
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

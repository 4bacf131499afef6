package dev.parasim.exec;

import dev.parasim.collective.CollectiveKind;

import java.util.List;

/**
 * Ring AllReduce = ring ReduceScatter then ring AllGather: 2(n−1) rounds of ⌈S/n⌉ elements per
 * segment (the AllGather's first send shares the ReduceScatter's last round). All bytes count as allReduce.
 */
public final class RingAllReduce implements Op {
    private static final long serialVersionUID = 1L;
    private final RingReduceScatter reduce;
    private final RingAllGather gather;

    private final RankGrid.Group group;

    public RingAllReduce(List<Seg> segs) { this(segs, RankGrid.Group.DP); }

    /** {@return the same collective on {@code group} instead of the data-parallel group} */
    public RingAllReduce(List<Seg> segs, RankGrid.Group group) { this(segs, group, false); }

    /** {@return a ring AllReduce on {@code group} that takes the element-wise maximum (the same bytes as a sum)} */
    public static RingAllReduce max(List<Seg> segs, RankGrid.Group group) { return new RingAllReduce(segs, group, true); }

    private RingAllReduce(List<Seg> segs, RankGrid.Group group, boolean max) {
        reduce = new RingReduceScatter(segs, CollectiveKind.ALL_REDUCE, group, max);
        gather = new RingAllGather(segs, CollectiveKind.ALL_REDUCE, group);
        this.group = group;
    }

    @Override
    public boolean ready(RankState rank, int round) { return Chunks.ready(rank, group, round); }

    /** {@return the buffer regions it runs on, one ring segment each} */
    List<Seg> segs() { return reduce.segs(); }

    @Override
    public CollectiveKind collective() { return CollectiveKind.ALL_REDUCE; }

    @Override
    public RankGrid.Group group() { return group; }

    @Override
    public String toString() { return "RingAllReduce[" + group + "]"; }

    @Override
    public int rounds(int n) { return 2 * (n - 1); }

    @Override
    public boolean advance(RankState rank, int round) {
        int n = rank.group(group).length;
        if (n == 1) return true;
        if (round < n - 1) return reduce.advance(rank, round);
        if (round == n - 1) reduce.advance(rank, round);
        return gather.advance(rank, round - (n - 1));
    }
}

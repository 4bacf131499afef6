package dev.parasim.exec;

import dev.parasim.collective.CollectiveKind;

import java.util.List;

/**
 * Ring ReduceScatter over a group of n ranks: in round k = 0…n−2 rank r sends chunk (r−k−1) mod n to
 * rank r+1 and adds the chunk it receives from rank r−1 into its own; after n−1 rounds rank r holds
 * the sum of chunk r (elements [r·c, (r+1)·c), c = ⌈S/n⌉). Sends (n−1)·c elements per segment.
 */
final class RingReduceScatter implements Op {
    private static final long serialVersionUID = 1L;
    private final List<Seg> segs;
    private final CollectiveKind kind;
    private final RankGrid.Group group;
    private final boolean max;

    public RingReduceScatter(List<Seg> segs) { this(segs, CollectiveKind.REDUCE_SCATTER, RankGrid.Group.DP); }

    /** {@return the same collective on {@code group} instead of the data-parallel group} */
    public RingReduceScatter(List<Seg> segs, RankGrid.Group group) { this(segs, CollectiveKind.REDUCE_SCATTER, group); }

    RingReduceScatter(List<Seg> segs, CollectiveKind kind, RankGrid.Group group) { this(segs, kind, group, false); }

    /** A ring reduce-scatter that keeps the element-wise maximum instead of the sum when {@code max}. */
    RingReduceScatter(List<Seg> segs, CollectiveKind kind, RankGrid.Group group, boolean max) {
        this.segs = List.copyOf(segs);
        this.kind = kind;
        this.group = group;
        this.max = max;
    }

    @Override
    public boolean ready(RankState rank, int round) { return Chunks.ready(rank, group, round); }

    /** {@return the buffer regions it runs on, one ring segment each} */
    List<Seg> segs() { return segs; }

    @Override
    public CollectiveKind collective() { return kind; }

    @Override
    public RankGrid.Group group() { return group; }

    @Override
    public String toString() { return getClass().getSimpleName() + "[" + group + "]"; }

    @Override
    public int rounds(int n) { return n - 1; }

    @Override
    public boolean advance(RankState rank, int round) {
        int[] members = rank.group(group);
        int n = members.length;
        int r = rank.indexIn(group);
        if (n == 1) return true;
        if (round > 0) {
            java.nio.ByteBuffer in = rank.take(members[Chunks.mod(r - 1, n)]);
            if (max) Chunks.readMax(rank, segs, n, Chunks.mod(r - round - 1, n), 1, in);
            else Chunks.read(rank, segs, n, Chunks.mod(r - round - 1, n), 1, in, true);
        }
        if (round < n - 1) {
            int chunk = Chunks.mod(r - round - 1, n);
            rank.send(members[Chunks.mod(r + 1, n)], kind, Chunks.bytes(rank, segs, n, 1),
                    out -> Chunks.write(rank, segs, n, chunk, 1, out));
        }
        return round == n - 1;
    }
}

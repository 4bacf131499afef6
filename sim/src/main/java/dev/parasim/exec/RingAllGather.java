package dev.parasim.exec;

import dev.parasim.collective.CollectiveKind;

import java.util.List;

/**
 * Ring AllGather over n ranks: rank r starts with chunk r; in round k = 0…n−2 it sends chunk (r−k) mod n
 * to rank r+1 and stores the chunk (r−k−1) mod n received from rank r−1. Sends (n−1)·⌈S/n⌉ elements per segment.
 */
final class RingAllGather implements Op {
    private static final long serialVersionUID = 1L;
    private final List<Seg> segs;
    private final CollectiveKind kind;
    private final RankGrid.Group group;

    public RingAllGather(List<Seg> segs) { this(segs, CollectiveKind.ALL_GATHER, RankGrid.Group.DP); }

    /** {@return the same collective on {@code group} instead of the data-parallel group} */
    public RingAllGather(List<Seg> segs, RankGrid.Group group) { this(segs, CollectiveKind.ALL_GATHER, group); }

    RingAllGather(List<Seg> segs, CollectiveKind kind, RankGrid.Group group) {
        this.segs = List.copyOf(segs);
        this.kind = kind;
        this.group = group;
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
        if (round > 0)
            Chunks.read(rank, segs, n, Chunks.mod(r - round, n), 1, rank.take(members[Chunks.mod(r - 1, n)]), false);
        if (round < n - 1) {
            int chunk = Chunks.mod(r - round, n);
            rank.send(members[Chunks.mod(r + 1, n)], kind, Chunks.bytes(rank, segs, n, 1),
                    out -> Chunks.write(rank, segs, n, chunk, 1, out));
        }
        return round == n - 1;
    }
}

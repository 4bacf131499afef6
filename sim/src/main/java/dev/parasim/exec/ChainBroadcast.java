package dev.parasim.exec;

import dev.parasim.collective.CollectiveKind;

import java.util.List;

/**
 * Broadcast from {@code root} along a chain (the ring without its closing link): in round k the rank
 * k hops after the root forwards the whole buffer to the next. n−1 rounds; every rank but the last
 * in the chain sends S elements once (busbw factor 1, NCCL PERFORMANCE.md).
 */
final class ChainBroadcast implements Op {
    private static final long serialVersionUID = 1L;
    private final int root;
    private final List<Seg> segs;

    public ChainBroadcast(int root, List<Seg> segs) {
        this.root = root;
        this.segs = List.copyOf(segs);
    }

    @Override
    public CollectiveKind collective() { return CollectiveKind.BROADCAST; }

    @Override
    public String toString() { return "ChainBroadcast[DP]"; }

    @Override
    public int rounds(int n) { return n - 1; }

    @Override
    public boolean advance(RankState rank, int round) {
        int n = rank.groupSize();
        int hop = Chunks.mod(rank.rank() - root, n);
        if (round > 0 && hop == round)
            Chunks.read(rank, segs, 1, 0, 1, rank.take(Chunks.mod(rank.rank() - 1, n)), false);
        if (round < n - 1 && hop == round)
            rank.send(Chunks.mod(rank.rank() + 1, n), CollectiveKind.BROADCAST, Chunks.bytes(rank, segs, 1, 1),
                    out -> Chunks.write(rank, segs, 1, 0, 1, out));
        return round >= n - 1;
    }
}

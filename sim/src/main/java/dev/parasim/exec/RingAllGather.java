package dev.parasim.exec;

import dev.parasim.collective.CollectiveKind;

import java.util.List;

/**
 * Ring AllGather over n ranks: rank r starts with chunk r; in round k = 0…n−2 it sends chunk (r−k) mod n
 * to rank r+1 and stores the chunk (r−k−1) mod n received from rank r−1. Sends (n−1)·⌈S/n⌉ elements per segment.
 */
public final class RingAllGather implements Op {
    private static final long serialVersionUID = 1L;
    private final List<Seg> segs;
    private final CollectiveKind kind;

    public RingAllGather(List<Seg> segs) { this(segs, CollectiveKind.ALL_GATHER); }

    RingAllGather(List<Seg> segs, CollectiveKind kind) {
        this.segs = List.copyOf(segs);
        this.kind = kind;
    }

    @Override
    public int rounds(int n) { return n - 1; }

    @Override
    public boolean advance(RankState rank, int round) {
        int n = rank.groupSize();
        int r = rank.rank();
        if (n == 1) return true;
        if (round > 0)
            Chunks.read(rank, segs, n, Chunks.mod(r - round, n), 1, rank.take(Chunks.mod(r - 1, n)), false);
        if (round < n - 1) {
            int chunk = Chunks.mod(r - round, n);
            rank.send(Chunks.mod(r + 1, n), kind, Chunks.bytes(rank, segs, n, 1),
                    out -> Chunks.write(rank, segs, n, chunk, 1, out));
        }
        return round == n - 1;
    }
}

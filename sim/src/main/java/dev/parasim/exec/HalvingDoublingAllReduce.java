package dev.parasim.exec;

import dev.parasim.collective.CollectiveKind;

import java.util.List;

/**
 * Recursive halving-doubling AllReduce (Rabenseifner; Thakur, Rabenseifner &amp; Gropp 2005 §4): with p
 * the largest power of two ≤ n, the first 2(n−p) ranks fold pairwise (even sends everything to odd),
 * then p ranks halve: in round t a rank exchanges half of its current region with the rank at distance
 * p/2^(t+1) and keeps the half its virtual rank selects; then they double back in reverse, exchanging
 * whole regions; finally folded ranks receive the result. Each segment is cut into p chunks of ⌈S/p⌉.
 * For n a power of two a rank sends 2(p−1)·⌈S/p⌉ elements, as the ring does, in 2·log₂ p rounds.
 */
final class HalvingDoublingAllReduce implements Op {
    private static final long serialVersionUID = 1L;
    private final List<Seg> segs;

    public HalvingDoublingAllReduce(List<Seg> segs) { this.segs = List.copyOf(segs); }

    @Override
    public CollectiveKind collective() { return CollectiveKind.ALL_REDUCE; }

    @Override
    public String toString() { return "HalvingDoublingAllReduce[DP]"; }

    @Override
    public int rounds(int n) {
        if (n == 1) return 0;
        int p = Integer.highestOneBit(n);
        int levels = Integer.numberOfTrailingZeros(p);
        return n > p ? 2 * levels + 2 : 2 * levels;
    }

    @Override
    public boolean advance(RankState rank, int round) {
        int n = rank.groupSize();
        if (n == 1) return true;
        int p = Integer.highestOneBit(n);
        int extra = n - p;
        int levels = Integer.numberOfTrailingZeros(p);
        int base = extra > 0 ? 1 : 0;
        int last = extra > 0 ? 2 * levels + 2 : 2 * levels;
        int r = rank.rank();
        boolean folded = r < 2 * extra && r % 2 == 0;
        int v = r < 2 * extra ? r / 2 : r - extra;

        // Receive what was sent in call round − 1.
        if (round > 0) {
            int s = round - 1;
            if (extra > 0 && s == 0 && !folded && r < 2 * extra) receiveAll(rank, r - 1, true);
            else if (!folded && s >= base && s < base + levels) {
                int t = s - base;
                int d = p >> (t + 1);
                int len = p >> t;
                int lo = (v >> (levels - t)) << (levels - t);
                int keep = (v & d) == 0 ? lo : lo + len / 2;
                Chunks.read(rank, segs, p, keep, len / 2, rank.take(real(v ^ d, extra)), true);
            } else if (!folded && s >= base + levels && s < base + 2 * levels) {
                int t = s - base - levels;
                int len = 1 << t;
                int partnerLo = ((v ^ len) >> t) << t;
                Chunks.read(rank, segs, p, partnerLo, len, rank.take(real(v ^ len, extra)), false);
            } else if (extra > 0 && s == base + 2 * levels && folded) receiveAll(rank, r + 1, false);
        }
        if (round == last) return true;

        // Send this call's messages.
        int s = round;
        if (extra > 0 && s == 0 && folded) sendAll(rank, r + 1);
        else if (!folded && s >= base && s < base + levels) {
            int t = s - base;
            int d = p >> (t + 1);
            int len = p >> t;
            int lo = (v >> (levels - t)) << (levels - t);
            int give = (v & d) == 0 ? lo + len / 2 : lo;
            rank.send(real(v ^ d, extra), CollectiveKind.ALL_REDUCE, Chunks.bytes(rank, segs, p, len / 2),
                    out -> Chunks.write(rank, segs, p, give, len / 2, out));
        } else if (!folded && s >= base + levels && s < base + 2 * levels) {
            int t = s - base - levels;
            int len = 1 << t;
            int lo = (v >> t) << t;
            rank.send(real(v ^ len, extra), CollectiveKind.ALL_REDUCE, Chunks.bytes(rank, segs, p, len),
                    out -> Chunks.write(rank, segs, p, lo, len, out));
        } else if (extra > 0 && s == base + 2 * levels && !folded && r < 2 * extra) sendAll(rank, r - 1);
        return false;
    }


    private static int real(int virtual, int extra) { return virtual < extra ? 2 * virtual + 1 : virtual + extra; }

    private void sendAll(RankState rank, int dst) {
        rank.send(dst, CollectiveKind.ALL_REDUCE, Chunks.bytes(rank, segs, 1, 1),
                out -> Chunks.write(rank, segs, 1, 0, 1, out));
    }

    private void receiveAll(RankState rank, int src, boolean add) {
        Chunks.read(rank, segs, 1, 0, 1, rank.take(src), add);
    }
}

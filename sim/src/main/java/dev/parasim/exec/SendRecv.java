package dev.parasim.exec;

import dev.parasim.collective.CollectiveKind;

import java.util.List;

/** Point-to-point: rank {@code src} sends its segments to rank {@code dst}, which overwrites its own; one round. */
final class SendRecv implements Op {
    private static final long serialVersionUID = 1L;
    private final int src;
    private final int dst;
    private final List<Seg> segs;

    public SendRecv(int src, int dst, List<Seg> segs) {
        if (src == dst) throw new IllegalArgumentException("send/recv needs two ranks, found " + src + " twice");
        this.src = src;
        this.dst = dst;
        this.segs = List.copyOf(segs);
    }

    @Override
    public CollectiveKind collective() { return CollectiveKind.SEND_RECV; }

    @Override
    public String toString() { return "SendRecv[" + src + "→" + dst + "]"; }

    @Override
    public int rounds(int n) { return 1; }

    @Override
    public boolean advance(RankState rank, int round) {
        if (round == 0 && rank.rank() == src)
            rank.send(dst, CollectiveKind.SEND_RECV, Chunks.bytes(rank, segs, 1, 1),
                    out -> Chunks.write(rank, segs, 1, 0, 1, out));
        if (round == 1 && rank.rank() == dst) Chunks.read(rank, segs, 1, 0, 1, rank.take(src), false);
        return round == 1;
    }
}

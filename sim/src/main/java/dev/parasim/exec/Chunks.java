package dev.parasim.exec;

import java.nio.ByteBuffer;
import java.util.List;

/** Packing of chunk ranges of several segments into one message (all of a collective's buffers share its rounds). */
final class Chunks {
    private Chunks() {}

    /** {@return payload bytes of {@code count} chunks of every segment among n ranks} */
    static int bytes(RankState rank, List<Seg> segs, int n, int count) {
        long total = 0;
        for (Seg s : segs) total += (long) s.chunk(n) * count * rank.buf(s.buffer()).type().bytes();
        if (total > Integer.MAX_VALUE) throw new IllegalStateException("message of " + total + " bytes is too large");
        return (int) total;
    }

    /** Writes chunks [first, first + count) of every segment (padding as zeros). */
    static void write(RankState rank, List<Seg> segs, int n, int first, int count, ByteBuffer out) {
        for (Seg s : segs) {
            int c = s.chunk(n);
            rank.buf(s.buffer()).encode(out, s.offset() + first * c, count * c, s.end());
        }
    }

    /** Reads chunks [first, first + count) of every segment, adding or overwriting. */
    static void read(RankState rank, List<Seg> segs, int n, int first, int count, ByteBuffer in, boolean add) {
        for (Seg s : segs) {
            int c = s.chunk(n);
            rank.buf(s.buffer()).decode(in, s.offset() + first * c, count * c, s.end(), add);
        }
    }

    /** {@return whether a ring step of round {@code round} on {@code group} has its predecessor's message} */
    static boolean ready(RankState rank, RankGrid.Group group, int round) {
        if (round == 0) return true;
        int[] members = rank.group(group);
        return members.length == 1 || rank.arrived(members[mod(rank.indexIn(group) - 1, members.length)], round - 1);
    }

    /** Reads chunks [first, first + count) of every segment, keeping the element-wise maximum. */
    static void readMax(RankState rank, List<Seg> segs, int n, int first, int count, ByteBuffer in) {
        for (Seg s : segs) {
            int c = s.chunk(n);
            rank.buf(s.buffer()).decodeMax(in, s.offset() + first * c, count * c, s.end());
        }
    }

    static int mod(int a, int n) { return ((a % n) + n) % n; }
}

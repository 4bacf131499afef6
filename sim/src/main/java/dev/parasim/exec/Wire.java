package dev.parasim.exec;

import dev.parasim.collective.CollectiveKind;

import java.nio.ByteBuffer;

/**
 * The wire form of a message: a 20-byte little-endian header (source rank, destination rank, op
 * index, round, collective kind) followed by the payload. Spark moves these as plain {@code byte[]}.
 */
public final class Wire {
    public static final int HEADER = 20;

    private Wire() {}

    static void header(ByteBuffer out, int src, int dst, int op, int round, CollectiveKind kind) {
        out.putInt(src).putInt(dst).putInt(op).putInt(round).putInt(kind.ordinal());
    }

    private static int intAt(byte[] wire, int at) {
        return (wire[at] & 0xff) | (wire[at + 1] & 0xff) << 8 | (wire[at + 2] & 0xff) << 16 | (wire[at + 3] & 0xff) << 24;
    }

    public static int src(byte[] wire) { return intAt(wire, 0); }

    public static int dst(byte[] wire) { return intAt(wire, 4); }

    static int op(byte[] wire) { return intAt(wire, 8); }

    static int round(byte[] wire) { return intAt(wire, 12); }

    static CollectiveKind kind(byte[] wire) { return CollectiveKind.values()[intAt(wire, 16)]; }

    /** {@return the payload length of a wire message} */
    public static int payload(byte[] wire) { return wire.length - HEADER; }
}

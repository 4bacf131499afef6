package dev.parasim.exec;

import java.io.Serializable;

/**
 * A region of a named rank buffer taking part in a collective: elements [offset, offset + length).
 * Among n ranks it is cut into n chunks of ⌈length / n⌉ elements ({@code Chunking.shard}); chunk
 * positions past the region are padding, sent as zeros and ignored on receipt.
 */
public record Seg(String buffer, int offset, int length) implements Serializable {

    public Seg {
        if (offset < 0 || length < 0) throw new IllegalArgumentException("segment " + buffer + ": negative bounds");
    }

    /** {@return the whole of a buffer of {@code length} elements} */
    public static Seg whole(String buffer, int length) { return new Seg(buffer, 0, length); }

    /** {@return elements per chunk among n ranks: ⌈length / n⌉} */
    public int chunk(int n) { return (int) dev.parasim.collective.Chunking.shard(length, n); }

    /** {@return the exclusive end of the real (unpadded) elements, as a buffer index} */
    public int end() { return offset + length; }
}

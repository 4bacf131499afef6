package dev.parasim.collective;

/**
 * How a flat buffer of elements is split among n ranks. Buffers are padded to a multiple of n (as
 * ZeRO and FSDP pad their flat parameters), so every shard and every ring chunk has the same size
 * and the executed byte counts equal the closed forms exactly.
 */
public final class Chunking {
    private Chunking() {}

    /** {@return elements in each of the n equal shards of a buffer of {@code elements}: ⌈elements / n⌉} */
    public static long shard(long elements, int n) {
        return (elements + n - 1) / n;
    }

    /** {@return the buffer length after padding to a multiple of n} */
    public static long padded(long elements, int n) {
        return shard(elements, n) * n;
    }

    /** {@return elements one rank sends in a ring ReduceScatter or AllGather: (n−1)·⌈S/n⌉} */
    public static long ringReduceScatterElements(long elements, int n) {
        return (n - 1) * shard(elements, n);
    }

    /** {@return elements one rank sends in a ring AllReduce: 2(n−1)·⌈S/n⌉ (NCCL PERFORMANCE.md)} */
    public static long ringAllReduceElements(long elements, int n) {
        return 2L * (n - 1) * shard(elements, n);
    }

    /**
     * {@return elements one rank sends in a bucketed ring AllReduce}: the flat buffer is cut into
     * consecutive buckets of {@code bucketElements} (the last one shorter), each padded on its own.
     */
    public static long bucketedAllReduceElements(long elements, long bucketElements, int n) {
        if (n == 1 || elements == 0) return 0;
        long full = elements / bucketElements;
        long rest = elements % bucketElements;
        return full * ringAllReduceElements(bucketElements, n) + (rest == 0 ? 0 : ringAllReduceElements(rest, n));
    }

    /** {@return how many buckets a bucketed collective of {@code elements} uses} */
    public static long buckets(long elements, long bucketElements) {
        return (elements + bucketElements - 1) / bucketElements;
    }
}

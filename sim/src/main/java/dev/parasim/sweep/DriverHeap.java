package dev.parasim.sweep;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.Locale;

/**
 * The driver JVM's heap from a point on: the sum of each heap pool's peak since then (an upper bound of the peak heap
 * in use, garbage included: the pools peak at different moments), against the heap's maximum. Under a local master
 * the executors' tasks run in this JVM too, so the peak includes the plans being evaluated.
 */
public final class DriverHeap {
    private final List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP && p.isValid()).toList();

    /** Starts measuring: every heap pool's peak is reset to its current use. */
    public DriverHeap() {
        pools.forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    /** {@return the sum of the heap pools' peak use since construction, in bytes} */
    public long peakBytes() {
        return pools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    /** {@return the most heap this JVM may use (-Xmx), in bytes} */
    public static long maxBytes() {
        return Runtime.getRuntime().maxMemory();
    }

    /** {@return e.g. "driver heap peak 412 MiB (of 7,936 MiB max)"} */
    public String summary() {
        return String.format(Locale.ROOT, "driver heap peak %,d MiB (of %,d MiB max)", peakBytes() >> 20, maxBytes() >> 20);
    }
}

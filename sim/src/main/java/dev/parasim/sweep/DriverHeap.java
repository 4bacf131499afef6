package dev.parasim.sweep;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The driver JVM's heap from a point on, two ways: the most heap in use just after a garbage collection (what the JVM
 * could not free: the live data, plus garbage a young collection left in the old generation), and the sum of each heap
 * pool's peak (an upper bound of the heap ever in use, garbage included, which the JVM lets grow towards its maximum).
 * Under a local master the executors' tasks run in this JVM too, so both include the plans being evaluated.
 */
public final class DriverHeap implements AutoCloseable {
    private final List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP && p.isValid()).toList();
    private final Set<String> heapPools = pools.stream().map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
    private final AtomicLong afterGc = new AtomicLong();
    private final NotificationListener listener = (notification, handback) -> {
        if (!notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) return;
        var info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData()).getGcInfo();
        long used = 0;
        for (var e : info.getMemoryUsageAfterGc().entrySet())
            if (heapPools.contains(e.getKey())) used += ((MemoryUsage) e.getValue()).getUsed();
        afterGc.accumulateAndGet(used, Math::max);
    };

    /** Starts measuring: every heap pool's peak is reset to its current use, and every collection is watched. */
    public DriverHeap() {
        pools.forEach(MemoryPoolMXBean::resetPeakUsage);
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
            if (gc instanceof NotificationEmitter emitter) emitter.addNotificationListener(listener, null, null);
    }

    /** {@return the most heap in use just after a collection since construction, in bytes (0: no collection yet)} */
    public long afterGcPeakBytes() {
        return afterGc.get();
    }

    /** {@return the sum of the heap pools' peak use since construction, in bytes} */
    public long peakBytes() {
        return pools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    /** {@return the most heap this JVM may use (-Xmx), in bytes} */
    public static long maxBytes() {
        return Runtime.getRuntime().maxMemory();
    }

    /** {@return e.g. "driver heap: at most 180 MiB live after a GC, pools' peaks 2,537 MiB, max 6,028 MiB"} */
    public String summary() {
        return String.format(Locale.ROOT, "driver heap: at most %,d MiB in use after a GC, pools' peaks %,d MiB, max %,d MiB",
                afterGcPeakBytes() >> 20, peakBytes() >> 20, maxBytes() >> 20);
    }

    /** Stops watching collections. */
    @Override
    public void close() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
            if (gc instanceof NotificationEmitter emitter) {
                try {
                    emitter.removeNotificationListener(listener);
                } catch (ListenerNotFoundException notAdded) {
                    // Nothing to remove.
                }
            }
    }
}

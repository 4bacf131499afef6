package dev.parasim.sweep;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Wall-clock seconds per phase of a command, from the JVM's start, for {@code sim sweep --timings}. */
public final class PhaseTimes {
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private final long jvmStartMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
    private long lastNanos = System.nanoTime();

    /** Starts timing; the time from the JVM's start to here is the first phase, {@code jvm start}. */
    public PhaseTimes() {
        seconds.put("jvm start", Math.max(0, System.currentTimeMillis() - jvmStartMillis) / 1e3);
    }

    /** Ends the phase running since the previous lap (or since construction) and names it. */
    public void lap(String phase) {
        long now = System.nanoTime();
        seconds.merge(phase, (now - lastNanos) / 1e9, Double::sum);
        lastNanos = now;
    }

    /** {@return the seconds of a phase, 0 if it never ran} */
    public double seconds(String phase) {
        return seconds.getOrDefault(phase, 0.0);
    }

    /** {@return the seconds of every phase} */
    public double total() {
        return seconds.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** {@return one line per phase and the total, e.g. "[timings]   evaluate (Spark job)   7.12 s"} */
    public String summary() {
        StringBuilder b = new StringBuilder();
        seconds.forEach((phase, s) -> b.append(String.format(Locale.ROOT, "[timings] %-28s %7.2f s%n", phase, s)));
        b.append(String.format(Locale.ROOT, "[timings] %-28s %7.2f s%n", "total", total()));
        return b.toString();
    }
}

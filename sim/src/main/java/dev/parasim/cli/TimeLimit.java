package dev.parasim.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/**
 * Every verb's wall-clock guard: when a command runs past its limit, one line goes to stderr and the JVM exits
 * with {@link Main#TIME_LIMIT}. Exiting runs the shutdown hooks, so a half-written output directory is removed
 * (see {@code report.OutputDirectory}) and nothing is left half-written. Limits are far above what the bundled
 * configs need (the main job takes minutes); {@code --time-limit SECONDS} sets another.
 */
final class TimeLimit implements AutoCloseable {
    /** Default limits in seconds, by verb: long for the verbs that run Spark jobs, short for the closed forms. */
    private static final Map<String, Double> DEFAULTS = Map.of(
            "run", 4 * 3600.0, "sweep", 4 * 3600.0, "bench", 4 * 3600.0, "calibrate", 3600.0,
            "report", 3600.0, "validate", 3600.0, "book", 3600.0, "predict", 600.0, "explain", 600.0);
    private static final double OTHER = 600;

    /** What happens when the limit passes, after the line is printed: {@code main} exits the JVM. */
    interface Expiry {
        void expired();
    }

    private final Thread watchdog;

    private TimeLimit(Thread watchdog) { this.watchdog = watchdog; }

    /** {@return the default limit of {@code verb} in seconds} */
    static double defaultSeconds(String verb) { return DEFAULTS.getOrDefault(verb, OTHER); }

    /**
     * {@return a running guard} that, unless closed within {@code seconds}, prints one line naming {@code command}
     * and the limit on {@code err} and calls {@code expiry}
     */
    static TimeLimit start(String command, double seconds, PrintWriter err, Expiry expiry) {
        long millis = (long) Math.ceil(seconds * 1000);
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException closed) {
                return;
            }
            err.println(String.format(Locale.ROOT, "%s: stopped at its wall-clock limit of %s s (set another with "
                    + "--time-limit SECONDS); nothing was written", command, plain(seconds)));
            err.flush();
            expiry.expired();
        }, "parasim-time-limit");
        t.setDaemon(true);
        t.start();
        return new TimeLimit(t);
    }

    @Override
    public void close() { watchdog.interrupt(); }

    private static String plain(double seconds) {
        return seconds == Math.rint(seconds) ? String.valueOf((long) seconds) : String.valueOf(seconds);
    }
}

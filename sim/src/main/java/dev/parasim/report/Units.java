package dev.parasim.report;

import java.util.Locale;

/**
 * How reports write quantities: decimal units (1 GB = 1e9 bytes, as GPU datasheets and the ZeRO paper
 * use) chosen by size, so a 70B model on 512 GPUs and a 28K-parameter GPT on 8 CPU ranks both read well.
 */
public final class Units {
    private static final String[] BYTE_UNITS = {"B", "KB", "MB", "GB", "TB", "PB"};
    private static final String[] COUNT_UNITS = {"", "K", "M", "B", "T"};

    private Units() {}

    /** {@return bytes as "59.92 GB", "112.13 KB" or "0 B": two decimals in the largest unit ≤ the value} */
    public static String bytes(long bytes) {
        return scaled(bytes, BYTE_UNITS, " ", "%d B");
    }

    /** {@return a count such as parameters as "70.0B", "28.0K" or "512"} */
    public static String count(long count) {
        return scaled(count, COUNT_UNITS, "", "%d");
    }

    /** {@return seconds as "1.234 s", "1.148 ms" or "12.5 µs"} */
    public static String seconds(double s) {
        double a = Math.abs(s);
        if (a == 0 || a >= 1) return String.format(Locale.ROOT, "%.3f s", s);
        if (a >= 1e-3) return String.format(Locale.ROOT, "%.3f ms", s * 1e3);
        return String.format(Locale.ROOT, "%.1f µs", s * 1e6);
    }

    /** A unit for a whole table of times, so every cell of one table reads in the same unit ("0.000 ms", not "0.000 s"). */
    public record TimeUnit(String symbol, double perSecond, String pattern) {
        /** {@return seconds in this unit, e.g. "486.096 ms"} */
        public String format(double seconds) {
            return String.format(Locale.ROOT, pattern + " %s", seconds * perSecond, symbol);
        }
    }

    /** {@return the unit {@link #seconds} would pick for the largest of these values (s when they are all zero)} */
    public static TimeUnit timeUnit(double... seconds) {
        double a = 0;
        for (double s : seconds) a = Math.max(a, Math.abs(s));
        if (a == 0 || a >= 1) return new TimeUnit("s", 1, "%.3f");
        if (a >= 1e-3) return new TimeUnit("ms", 1e3, "%.3f");
        return new TimeUnit("µs", 1e6, "%.1f");
    }

    private static String scaled(long value, String[] units, String space, String small) {
        double a = Math.abs((double) value);
        if (a < 1000) return String.format(Locale.ROOT, small, value);
        int k = Math.min(units.length - 1, (int) Math.floor(Math.log10(a) / 3));
        String digits = units == COUNT_UNITS ? "%.1f" : "%.2f";
        return String.format(Locale.ROOT, digits + space + "%s", value / Math.pow(1000, k), units[k]);
    }
}

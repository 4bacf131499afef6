package dev.parasim.teach;

import dev.parasim.report.Units;

import java.util.Locale;

/** The kind of number a probe yields, and how an answer writes it (decimal units, as the reports do). */
public enum Quantity {
    BYTES, SECONDS, COUNT, NUMBER, RATIO, PERCENT, FLOPS, FLOP_RATE, BANDWIDTH, RATE, VERDICT;

    /** {@return {@code value} written for a reader of {@code lang}} */
    public String format(double value, Lang lang) {
        return switch (this) {
            case BYTES -> Units.bytes(Math.round(value));
            case SECONDS -> Units.seconds(value);
            case COUNT -> Units.count(Math.round(value));
            case NUMBER -> String.format(Locale.ROOT, "%.2f", value);
            case RATIO -> String.format(Locale.ROOT, "%.2f×", value);
            case PERCENT -> String.format(Locale.ROOT, "%.1f%%", 100 * value);
            case FLOPS -> scientific(value) + " FLOP";
            case FLOP_RATE -> String.format(Locale.ROOT, "%.1f TFLOP/s", value / 1e12);
            case BANDWIDTH -> String.format(Locale.ROOT, "%.1f GB/s", value / 1e9);
            case RATE -> Units.count(Math.round(value)) + (lang == Lang.EN ? " tokens/s" : " token/s");
            case VERDICT -> lang == Lang.EN ? (value != 0 ? "yes" : "no") : (value != 0 ? "是" : "否");
        };
    }

    private static String scientific(double value) {
        if (value == 0) return "0";
        int exponent = (int) Math.floor(Math.log10(Math.abs(value)));
        return String.format(Locale.ROOT, "%.2f·10^%d", value / Math.pow(10, exponent), exponent);
    }
}

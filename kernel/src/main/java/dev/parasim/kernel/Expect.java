package dev.parasim.kernel;

import java.util.Locale;

/**
 * The notebooks' assertion cells: each check prints one {@code ok} line with the number it checked, or
 * throws {@link AssertionError} (the cell fails, and so does the notebook under nbconvert --execute).
 */
public final class Expect {
    private Expect() {}

    /** Checks an exact integer (bytes, parameter counts, message counts). */
    public static void equal(String what, long expected, long actual) {
        if (expected != actual)
            throw new AssertionError(what + ": expected " + expected + ", found " + actual);
        System.out.println("ok  " + what + " = " + actual);
    }

    /** Checks a real number to a relative tolerance (ratios, fractions). */
    public static void close(String what, double expected, double actual, double relativeTolerance) {
        double scale = Math.max(Math.abs(expected), Double.MIN_NORMAL);
        if (!(Math.abs(actual - expected) <= relativeTolerance * scale))
            throw new AssertionError(String.format(Locale.ROOT, "%s: expected %s (±%s relative), found %s", what,
                    expected, relativeTolerance, actual));
        System.out.println("ok  " + what + " = " + expected);
    }

    /** Checks that {@code actual} lies in [{@code low}, {@code high}] (loose bounds, e.g. on times). */
    public static void between(String what, double low, double high, double actual) {
        if (!(actual >= low && actual <= high))
            throw new AssertionError(String.format(Locale.ROOT, "%s: expected within [%s, %s], found %s", what,
                    low, high, actual));
        System.out.println(String.format(Locale.ROOT, "ok  %s within [%s, %s]", what, low, high));
    }

    /** Checks a condition. */
    public static void that(String what, boolean condition) {
        if (!condition) throw new AssertionError(what + ": expected true, found false");
        System.out.println("ok  " + what);
    }
}

package dev.parasim.exec.model;

/** Derives independent 64-bit seeds from tuples of numbers with the SplitMix64 finaliser (Steele et al. 2014). */
final class Seeds {
    private Seeds() {}

    /** {@return a well-mixed seed for the tuple {@code parts}} */
    static long mix(long... parts) {
        long z = 0x9E3779B97F4A7C15L;
        for (long p : parts) z = finalise(z ^ finalise(p + 0x9E3779B97F4A7C15L));
        return z;
    }

    private static long finalise(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

package dev.parasim.report.chart;

/**
 * The decimal byte unit a chart's value axis uses, picked from its largest value so that a tiny
 * executed model reads in KB and a 70B model in GB.
 *
 * @param unit    "B", "KB", "MB", "GB" or "TB"
 * @param divisor bytes per unit
 */
record ByteScale(String unit, double divisor) {
    private static final String[] UNITS = {"B", "KB", "MB", "GB", "TB"};

    /** {@return the largest unit that {@code maxBytes} reaches (B for zero)} */
    static ByteScale of(double maxBytes) {
        int k = 0;
        while (k < UNITS.length - 1 && maxBytes >= Math.pow(1000, k + 1)) k++;
        return new ByteScale(UNITS[k], Math.pow(1000, k));
    }

    double scale(long bytes) { return bytes / divisor; }

    /** {@return the format of a bar's total, e.g. "%.1f MB"} */
    String totalFormat() { return "%.1f " + unit; }
}

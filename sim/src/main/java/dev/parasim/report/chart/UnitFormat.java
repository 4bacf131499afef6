package dev.parasim.report.chart;

import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.Locale;

/** Tick labels for log axes: a value printed with the largest unit it reaches, e.g. "64 MB" or "20 µs". */
final class UnitFormat extends NumberFormat {
    private final String[] units;
    private final double[] scales;

    private UnitFormat(String[] units, double[] scales) {
        this.units = units;
        this.scales = scales;
    }

    /** Decimal byte units (1 KB = 1e3 bytes, as NCCL's tests print sizes). */
    static UnitFormat bytes() {
        return new UnitFormat(new String[] {"B", "KB", "MB", "GB", "TB"}, new double[] {1, 1e3, 1e6, 1e9, 1e12});
    }

    static UnitFormat seconds() {
        return new UnitFormat(new String[] {"ns", "µs", "ms", "s"}, new double[] {1e-9, 1e-6, 1e-3, 1});
    }

    @Override
    public StringBuffer format(double number, StringBuffer out, FieldPosition pos) {
        int unit = 0;
        for (int i = 0; i < scales.length; i++) if (Math.abs(number) >= scales[i] * 0.9999) unit = i;
        double v = number / scales[unit];
        String text = Math.abs(v - Math.rint(v)) < 1e-6 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
        return out.append(text).append(' ').append(units[unit]);
    }

    @Override
    public StringBuffer format(long number, StringBuffer out, FieldPosition pos) {
        return format((double) number, out, pos);
    }

    @Override
    public Number parse(String source, ParsePosition pos) {
        throw new UnsupportedOperationException("tick labels are not parsed");
    }
}

package dev.parasim.report.chart;

import org.jfree.chart.JFreeChart;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** Memory per GPU by component, one stacked bar per plan, with the GPU's capacity as a dashed line. */
public final class MemoryChart {
    /** One plan's peak memory on its worst rank, by component, in bytes. */
    public record Bar(String plan, long paramsBytes, long gradsBytes, long optimizerBytes, long activationsBytes,
                      long otherBytes, long capacityBytes) {
        public long peakBytes() { return paramsBytes + gradsBytes + optimizerBytes + activationsBytes + otherBytes; }

        public boolean fits() { return peakBytes() <= capacityBytes; }
    }

    private MemoryChart() {}

    public static JFreeChart of(String experiment, List<Bar> bars) {
        if (bars.isEmpty()) throw new IllegalArgumentException("bars: must not be empty");
        List<String> plans = bars.stream().map(Bar::plan).toList();
        Set<String> infeasible = bars.stream().filter(b -> !b.fits()).map(Bar::plan).collect(Collectors.toSet());
        List<StackedBars.Segment> segments = List.of(
                segment("params", bars, Bar::paramsBytes), segment("grads", bars, Bar::gradsBytes),
                segment("optimizer", bars, Bar::optimizerBytes), segment("activations", bars, Bar::activationsBytes),
                segment("other", bars, Bar::otherBytes));
        double capacityGB = bars.get(0).capacityBytes() / 1e9;
        return StackedBars.chart("Memory per GPU by component — " + experiment,
                "peak on the worst pipeline stage; ✗ = does not fit in the GPU", "memory per GPU (GB)", plans, segments,
                infeasible, new StackedBars.Limit(capacityGB, String.format(Locale.ROOT, " GPU capacity %.0f GB", capacityGB)),
                "%.1f GB");
    }

    private static StackedBars.Segment segment(String name, List<Bar> bars, java.util.function.ToLongFunction<Bar> part) {
        return new StackedBars.Segment(name, ChartStyle.colour(name), bars.stream().mapToDouble(b -> part.applyAsLong(b) / 1e9).toArray());
    }
}

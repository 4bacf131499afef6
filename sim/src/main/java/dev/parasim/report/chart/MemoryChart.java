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

    /** Capacity more than this many times the largest bar is left off the axis. */
    private static final double OFF_SCALE = 50;

    private MemoryChart() {}

    public static JFreeChart of(String experiment, List<Bar> bars) {
        if (bars.isEmpty()) throw new IllegalArgumentException("bars: must not be empty");
        List<String> plans = bars.stream().map(Bar::plan).toList();
        Set<String> infeasible = bars.stream().filter(b -> !b.fits()).map(Bar::plan).collect(Collectors.toSet());
        long capacity = bars.get(0).capacityBytes();
        long peak = bars.stream().mapToLong(Bar::peakBytes).max().orElse(0);
        // The capacity line is drawn when it is within sight of the bars; far above them (a tiny model on a
        // 16 GB device) it would flatten every bar to nothing, so the subtitle states it instead.
        boolean capacityInSight = capacity <= OFF_SCALE * peak;
        // The unit follows what the axis shows: the capacity and the bars that stay on the axis (StackedBars cuts it
        // above 2.5× the capacity), not a bar far off scale; a 1.2 TB plan beside 80 GB GPUs keeps the axis in GB.
        long onAxis = bars.stream().mapToLong(Bar::peakBytes).filter(b -> b <= 2.5 * capacity).max().orElse(0);
        ByteScale scale = ByteScale.of(capacityInSight ? Math.max(onAxis, capacity) : peak);
        List<StackedBars.Segment> segments = List.of(
                segment("params", bars, Bar::paramsBytes, scale), segment("grads", bars, Bar::gradsBytes, scale),
                segment("optimizer", bars, Bar::optimizerBytes, scale), segment("activations", bars, Bar::activationsBytes, scale),
                segment("other", bars, Bar::otherBytes, scale));
        String capacityText = String.format(Locale.ROOT, "GPU capacity %.0f GB", capacity / 1e9);
        StackedBars.Limit limit = capacityInSight ? new StackedBars.Limit(scale.scale(capacity), " " + capacityText) : null;
        return StackedBars.chart("Memory per GPU by component — " + experiment,
                "peak on the worst pipeline stage; ✗ = does not fit in the GPU" + (capacityInSight ? "" : "; " + capacityText + " (off scale)"),
                "memory per GPU (" + scale.unit() + ")", plans, segments, infeasible, limit, scale.totalFormat());
    }

    private static StackedBars.Segment segment(String name, List<Bar> bars, java.util.function.ToLongFunction<Bar> part, ByteScale scale) {
        return new StackedBars.Segment(name, ChartStyle.colour(name), bars.stream().mapToDouble(b -> scale.scale(part.applyAsLong(b))).toArray());
    }
}

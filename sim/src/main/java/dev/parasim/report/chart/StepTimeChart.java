package dev.parasim.report.chart;

import org.jfree.chart.JFreeChart;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Step time split into compute, exposed communication and pipeline bubble, one stacked bar per plan. */
public final class StepTimeChart {
    public record Bar(String plan, double computeSeconds, double exposedCommSeconds, double bubbleSeconds, boolean fits) {}

    private StepTimeChart() {}

    public static JFreeChart of(String experiment, List<Bar> bars) {
        if (bars.isEmpty()) throw new IllegalArgumentException("bars: must not be empty");
        Set<String> infeasible = bars.stream().filter(b -> !b.fits()).map(Bar::plan).collect(Collectors.toSet());
        // Seconds for real models, milliseconds or microseconds for the small executed ones.
        double max = bars.stream().mapToDouble(b -> b.computeSeconds() + b.exposedCommSeconds() + b.bubbleSeconds()).max().orElse(0);
        double scale = max >= 1 ? 1 : max >= 1e-3 ? 1e3 : 1e6;
        String unit = scale == 1 ? "s" : scale == 1e3 ? "ms" : "µs";
        List<StackedBars.Segment> segments = List.of(
                segment("compute", bars, Bar::computeSeconds, scale),
                segment("exposed comm", bars, Bar::exposedCommSeconds, scale),
                segment("bubble", bars, Bar::bubbleSeconds, scale));
        return StackedBars.chart("Step time breakdown — " + experiment,
                "slowest pipeline stage; ✗ and faded = does not fit in GPU memory, so not a candidate however fast",
                "time per step (" + unit + ")", bars.stream().map(Bar::plan).toList(), segments, infeasible, null, "%.2f " + unit, true);
    }

    private static StackedBars.Segment segment(String name, List<Bar> bars, java.util.function.ToDoubleFunction<Bar> part, double scale) {
        return new StackedBars.Segment(name, ChartStyle.colour(name), bars.stream().mapToDouble(b -> part.applyAsDouble(b) * scale).toArray());
    }
}

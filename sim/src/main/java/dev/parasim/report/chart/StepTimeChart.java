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
        List<StackedBars.Segment> segments = List.of(
                new StackedBars.Segment("compute", ChartStyle.colour("compute"), bars.stream().mapToDouble(Bar::computeSeconds).toArray()),
                new StackedBars.Segment("exposed comm", ChartStyle.colour("exposed comm"),
                        bars.stream().mapToDouble(Bar::exposedCommSeconds).toArray()),
                new StackedBars.Segment("bubble", ChartStyle.colour("bubble"), bars.stream().mapToDouble(Bar::bubbleSeconds).toArray()));
        return StackedBars.chart("Step time breakdown — " + experiment,
                "slowest pipeline stage; ✗ = does not fit in GPU memory", "time per step (s)",
                bars.stream().map(Bar::plan).toList(), segments, infeasible, null, "%.2f s");
    }
}

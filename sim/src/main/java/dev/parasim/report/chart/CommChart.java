package dev.parasim.report.chart;

import org.jfree.chart.JFreeChart;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Bytes one GPU sends in one step, stacked by collective or by link tier, one bar per plan. */
public final class CommChart {
    /** One plan's bytes per GPU per step, by part (collective label or tier name), in a stable order. */
    public record Bar(String plan, Map<String, Long> bytes, boolean fits) {
        public Bar {
            bytes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(bytes));
        }

        /** A plan that fits in memory. */
        public Bar(String plan, Map<String, Long> bytes) {
            this(plan, bytes, true);
        }
    }

    private CommChart() {}

    public static JFreeChart byCollective(String experiment, List<Bar> bars) {
        return chart("Bytes per GPU per step by collective — " + experiment, bars, false);
    }

    public static JFreeChart byTier(String experiment, List<Bar> bars) {
        return chart("Bytes per GPU per step by link tier — " + experiment, bars, true);
    }

    private static JFreeChart chart(String title, List<Bar> bars, boolean tiers) {
        if (bars.isEmpty()) throw new IllegalArgumentException("bars: must not be empty");
        Set<String> parts = new LinkedHashSet<>();
        for (Bar b : bars) parts.addAll(b.bytes().keySet());
        ByteScale scale = ByteScale.of(bars.stream().mapToLong(b -> b.bytes().values().stream().mapToLong(Long::longValue).sum())
                .max().orElse(0));
        List<StackedBars.Segment> segments = new ArrayList<>();
        int index = 0;
        for (String part : parts) {
            double[] gb = bars.stream().mapToDouble(b -> scale.scale(b.bytes().getOrDefault(part, 0L))).toArray();
            int tierIndex = index++;
            // Parts no plan uses stay out of the legend.
            if (java.util.Arrays.stream(gb).allMatch(v -> v == 0)) continue;
            segments.add(new StackedBars.Segment(part, tiers ? ChartStyle.tier(tierIndex) : ChartStyle.colour(part), gb));
        }
        Set<String> infeasible = bars.stream().filter(b -> !b.fits()).map(Bar::plan).collect(java.util.stream.Collectors.toSet());
        return StackedBars.chart(title, "what one GPU of the busiest stage sends in one optimizer step"
                        + (infeasible.isEmpty() ? "" : "; ✗ = does not fit in GPU memory"),
                "sent per GPU per step (" + scale.unit() + ")", bars.stream().map(Bar::plan).toList(), segments, infeasible, null,
                scale.totalFormat());
    }
}

package dev.parasim.report.chart;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.CategoryTextAnnotation;
import org.jfree.chart.axis.CategoryAnchor;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.StackedBarRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Paint;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The stacked bar chart behind the per-plan charts: one bar per plan, one segment per component, the
 * total printed above each bar, plans that do not fit labelled in red, an optional limit line. When one
 * bar dwarfs the rest (more than 2.5× the limit), the axis stops at a readable height and that bar's
 * total is written at the top with an arrow.
 */
final class StackedBars {
    record Segment(String name, Paint paint, double[] values) {}

    record Limit(double value, String label) {}

    private StackedBars() {}

    static JFreeChart chart(String title, String subtitle, String valueAxisLabel, List<String> plans, List<Segment> segments,
                            Set<String> infeasible, Limit limit, String totalFormat) {
        return chart(title, subtitle, valueAxisLabel, plans, segments, infeasible, limit, totalFormat, false);
    }

    /** As above; with {@code greyInfeasible} the bars of plans that do not fit are drawn in faded colours, out of the race. */
    static JFreeChart chart(String title, String subtitle, String valueAxisLabel, List<String> plans, List<Segment> segments,
                            Set<String> infeasible, Limit limit, String totalFormat, boolean greyInfeasible) {
        if (segments.isEmpty())
            // Nothing to stack (e.g. no communication on one GPU): one empty segment keeps every plan on the axis.
            segments = List.of(new Segment("none", ChartStyle.colour("other"), new double[plans.size()]));
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        double[] totals = new double[plans.size()];
        for (Segment s : segments)
            for (int i = 0; i < plans.size(); i++) {
                data.addValue(s.values()[i], s.name(), label(plans.get(i), infeasible));
                totals[i] += s.values()[i];
            }
        java.util.Map<String, String> offScale = new java.util.HashMap<>();
        CategoryAxis categories = new CategoryAxis("plan") {
            @Override
            protected org.jfree.chart.text.TextBlock createLabel(Comparable category, float width,
                                                                 org.jfree.chart.ui.RectangleEdge edge, java.awt.Graphics2D g2) {
                org.jfree.chart.text.TextBlock block = super.createLabel(category, width, edge, g2);
                String total = offScale.get(category.toString());
                if (total != null)
                    block.addLine(total + " ↑", ChartStyle.SMALL_BOLD, ChartStyle.ALERT);
                return block;
            }
        };
        NumberAxis values = new NumberAxis(valueAxisLabel);
        StackedBarRenderer renderer = new StackedBarRenderer() {
            @Override
            public Paint getItemPaint(int row, int column) {
                Paint p = super.getItemPaint(row, column);
                boolean out = greyInfeasible && infeasible.contains(plans.get(column)) && p instanceof java.awt.Color;
                return out ? ChartStyle.faded((java.awt.Color) p) : p;
            }
        };
        renderer.setMaximumBarWidth(0.12);
        renderer.setDrawBarOutline(false);
        renderer.setDefaultLegendShape(new java.awt.geom.Rectangle2D.Double(-7, -7, 14, 14));
        CategoryPlot plot = new CategoryPlot(data, categories, values, renderer);
        plot.setOrientation(PlotOrientation.VERTICAL);
        JFreeChart chart = new JFreeChart(title, ChartStyle.TITLE, plot, true);
        if (subtitle != null) chart.addSubtitle(new TextTitle(subtitle, ChartStyle.SUBTITLE));
        ChartStyle.apply(chart);
        for (int i = 0; i < segments.size(); i++) renderer.setSeriesPaint(i, segments.get(i).paint());
        ChartStyle.categoryLabels(plot, plans.size());
        for (String plan : infeasible) categories.setTickLabelPaint(label(plan, infeasible), ChartStyle.ALERT);

        double max = 0, capped = 0;
        for (double t : totals) max = Math.max(max, t);
        if (limit != null && max > 2.5 * limit.value()) {
            for (double t : totals) if (t <= 2.5 * limit.value()) capped = Math.max(capped, t);
            values.setRange(0, Math.max(2 * limit.value(), capped * 1.18));
        } else {
            values.setRange(0, Math.max(max, limit == null ? 0 : limit.value()) * 1.15 + 1e-12);
        }
        // Every bar that stays on the axis keeps room above it for its total (8% of the axis).
        double top = values.getUpperBound();
        for (boolean raised = true; raised; ) {
            raised = false;
            for (double t : totals)
                if (t <= top && t * 1.08 > top) {   // (after top = t·1.08 this is false for t: the loop ends)
                    top = t * 1.08;
                    raised = true;
                }
        }
        values.setRange(0, top);
        for (int i = 0; i < plans.size(); i++) {
            // A bar taller than the axis gets its total under its name instead of above it.
            if (totals[i] > top) {
                offScale.put(label(plans.get(i), infeasible), String.format(Locale.ROOT, totalFormat, totals[i]));
                continue;
            }
            String text = String.format(Locale.ROOT, totalFormat, totals[i]);
            CategoryTextAnnotation a = new CategoryTextAnnotation(text, label(plans.get(i), infeasible), totals[i] + top * 0.01);
            a.setCategoryAnchor(CategoryAnchor.MIDDLE);
            a.setTextAnchor(TextAnchor.BOTTOM_CENTER);
            a.setFont(ChartStyle.SMALL_BOLD);
            a.setPaint(infeasible.contains(plans.get(i)) ? ChartStyle.ALERT : ChartStyle.TEXT);
            plot.addAnnotation(a);
        }
        if (!offScale.isEmpty())
            chart.addSubtitle(new TextTitle("↑ under a plan: its total, when the bar runs past the top of the axis",
                    ChartStyle.SMALL, ChartStyle.ALERT, org.jfree.chart.ui.RectangleEdge.TOP, org.jfree.chart.ui.HorizontalAlignment.CENTER,
                    org.jfree.chart.ui.VerticalAlignment.CENTER, new org.jfree.chart.ui.RectangleInsets(2, 0, 2, 0)));
        if (limit != null) {
            ValueMarker marker = new ValueMarker(limit.value(), ChartStyle.ALERT, ChartStyle.MARKER);
            marker.setLabel(limit.label());
            marker.setLabelFont(ChartStyle.SMALL_BOLD);
            marker.setLabelPaint(ChartStyle.ALERT);
            marker.setLabelBackgroundColor(new java.awt.Color(255, 255, 255, 220));
            marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
            marker.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
            plot.addRangeMarker(marker, Layer.FOREGROUND);
        }
        return chart;
    }

    /** {@return the category label: the plan name, with a cross when it does not fit} */
    static String label(String plan, Set<String> infeasible) {
        return infeasible.contains(plan) ? plan + " ✗" : plan;
    }
}

package dev.parasim.report.chart;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.util.List;

/**
 * Memory per GPU against step time for every plan that fits (grey points), with the Pareto front —
 * plans no other plan beats on both — drawn as a red staircase.
 */
public final class ParetoChart {
    /** One plan: its step time and peak memory, and whether it is on the front. */
    public record Point(double stepSeconds, double peakGB, boolean front) {}

    private ParetoChart() {}

    public static JFreeChart of(String title, String subtitle, List<Point> points, double capacityGB) {
        if (points.isEmpty()) throw new IllegalArgumentException("points: must not be empty");
        XYSeries all = new XYSeries("plans that fit", false, true);
        XYSeries front = new XYSeries("Pareto front", true, true);
        for (Point p : points) {
            all.add(p.stepSeconds(), p.peakGB());
            if (p.front()) front.add(p.stepSeconds(), p.peakGB());
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(all);
        data.addSeries(front);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
        NumberAxis x = new NumberAxis("step time (s)");
        x.setAutoRangeIncludesZero(false);
        NumberAxis y = new NumberAxis("peak memory per GPU (GB)");
        y.setAutoRangeIncludesZero(true);
        y.setUpperBound(Math.max(capacityGB, points.stream().mapToDouble(Point::peakGB).max().orElse(capacityGB)) * 1.05);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        JFreeChart chart = new JFreeChart(title, ChartStyle.TITLE, plot, true);
        if (subtitle != null) chart.addSubtitle(new TextTitle(subtitle, ChartStyle.SUBTITLE));
        ChartStyle.apply(chart);
        // After the shared style, which would otherwise give both series its palette.
        renderer.setSeriesLinesVisible(0, false);
        renderer.setSeriesPaint(0, new Color(0x70, 0x70, 0x70, 90));
        renderer.setSeriesShape(0, new java.awt.geom.Ellipse2D.Double(-2.5, -2.5, 5, 5));
        renderer.setSeriesLinesVisible(1, true);
        renderer.setSeriesPaint(1, new Color(0xC6, 0x28, 0x28));
        renderer.setSeriesStroke(1, new BasicStroke(3f));
        renderer.setSeriesShape(1, new java.awt.geom.Ellipse2D.Double(-4, -4, 8, 8));
        return chart;
    }
}

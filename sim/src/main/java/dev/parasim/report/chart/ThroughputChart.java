package dev.parasim.report.chart;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.chart.util.ShapeUtils;

import java.awt.BasicStroke;
import java.awt.geom.Ellipse2D;
import java.text.DecimalFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A throughput measure (MFU, tokens/s per GPU, …) against one parallel degree, one line per family of
 * plans; points of plans that do not fit in memory are crossed out in red.
 */
public final class ThroughputChart {
    /** One plan of a family: its degree on the x axis and its value (already in the y axis's unit). */
    public record Point(String family, int degree, double value, boolean fits) {}

    private ThroughputChart() {}

    /**
     * @param degree     the varied degree, e.g. "tensor-parallel degree tp"
     * @param valueLabel the y axis label with its unit, e.g. "MFU (%)"
     */
    public static JFreeChart of(String title, String subtitle, String degree, String valueLabel, List<Point> points) {
        if (points.isEmpty()) throw new IllegalArgumentException("points: must not be empty");
        Map<String, XYSeries> families = new LinkedHashMap<>();
        XYSeries crossed = new XYSeries("does not fit in GPU memory", false, true);
        int minDegree = Integer.MAX_VALUE, maxDegree = 1;
        for (Point p : points) {
            families.computeIfAbsent(p.family(), f -> new XYSeries(f, true, true)).add(p.degree(), p.value());
            if (!p.fits()) crossed.add(p.degree(), p.value());
            minDegree = Math.min(minDegree, p.degree());
            maxDegree = Math.max(maxDegree, p.degree());
        }
        XYSeriesCollection data = new XYSeriesCollection();
        families.values().forEach(data::addSeries);
        if (crossed.getItemCount() > 0) data.addSeries(crossed);
        LogAxis x = new LogAxis(degree + " (log scale)");
        x.setBase(2);
        x.setTickUnit(new NumberTickUnit(1));
        x.setNumberFormatOverride(new DecimalFormat("0"));
        x.setRange(minDegree / 1.3, maxDegree * 1.3);
        NumberAxis y = new NumberAxis(valueLabel);
        y.setAutoRangeIncludesZero(true);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        JFreeChart chart = new JFreeChart(title, ChartStyle.TITLE, plot, true);
        if (subtitle != null) chart.addSubtitle(new TextTitle(subtitle, ChartStyle.SUBTITLE));
        ChartStyle.apply(chart);
        int n = families.size();
        for (int i = 0; i < n; i++) {
            renderer.setSeriesPaint(i, ChartStyle.series(i));
            renderer.setSeriesStroke(i, new BasicStroke(2.5f));
            renderer.setSeriesShape(i, new Ellipse2D.Double(-4, -4, 8, 8));
        }
        if (crossed.getItemCount() > 0) {
            renderer.setSeriesLinesVisible(n, false);
            renderer.setSeriesPaint(n, ChartStyle.ALERT);
            renderer.setSeriesShape(n, ShapeUtils.createDiagonalCross(7, 1.5f));
        }
        return chart;
    }
}

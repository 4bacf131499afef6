package dev.parasim.report.chart;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;

import java.awt.Color;
import java.awt.Font;
import java.util.List;
import java.util.Locale;

/**
 * The best value of a metric over a grid of two parallel degrees (e.g. best MFU over TP × PP): one
 * coloured cell per pair, its value written in it; cells where no plan fits are grey and say "OOM".
 */
public final class HeatmapChart {
    /** One cell: the column and row degrees and the best value, or null when every plan there was out of memory. */
    public record Cell(int column, int row, Double value) {}

    private HeatmapChart() {}

    /** @param valueLabel what the cell value is, with unit, e.g. "best MFU (%)" */
    public static JFreeChart of(String title, String subtitle, String columnLabel, String rowLabel, String valueLabel,
                                List<Cell> cells) {
        if (cells.isEmpty()) throw new IllegalArgumentException("cells: must not be empty");
        List<Integer> columns = cells.stream().map(Cell::column).distinct().sorted().toList();
        List<Integer> rows = cells.stream().map(Cell::row).distinct().sorted().toList();
        double max = cells.stream().filter(c -> c.value() != null).mapToDouble(Cell::value).max().orElse(1);
        // The scale spans the values present, so neighbouring cells are told apart.
        double min = cells.stream().filter(c -> c.value() != null).mapToDouble(Cell::value).min().orElse(0);
        double low = Math.max(0, min - 0.1 * (max - min + 1e-9)), span = Math.max(max - low, 1e-9);
        double[][] series = new double[3][cells.size()];
        for (int i = 0; i < cells.size(); i++) {
            Cell c = cells.get(i);
            series[0][i] = columns.indexOf(c.column());
            series[1][i] = rows.indexOf(c.row());
            series[2][i] = c.value() == null ? -1 : c.value();
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries(valueLabel, series);
        LookupPaintScale scale = new LookupPaintScale(-1, max + span * 1e-4, new Color(0xBDBDBD));
        scale.add(-1, new Color(0xBDBDBD));
        for (int step = 0; step < 20; step++) {
            float t = step / 19f;
            scale.add(low + span * step / 20.0, new Color(1 - 0.85f * t, 0.95f - 0.45f * t, 0.85f - 0.25f * t));
        }
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, axis(columnLabel, columns), axis(rowLabel, rows), renderer);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        Font font = new Font(ChartStyle.FONT, Font.BOLD, 14);
        for (Cell c : cells) {
            String text = c.value() == null ? "OOM" : String.format(Locale.ROOT, "%.1f", c.value());
            XYTextAnnotation label = new XYTextAnnotation(text, columns.indexOf(c.column()), rows.indexOf(c.row()));
            label.setFont(font);
            label.setPaint(c.value() != null && c.value() > low + 0.6 * span ? Color.WHITE : Color.BLACK);
            plot.addAnnotation(label);
        }
        JFreeChart chart = new JFreeChart(title, ChartStyle.TITLE, plot, false);
        if (subtitle != null) chart.addSubtitle(new TextTitle(subtitle, ChartStyle.SUBTITLE));
        NumberAxis legendAxis = new NumberAxis(valueLabel);
        legendAxis.setRange(low, low + span);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(4, 4, 40, 4);
        chart.addSubtitle(legend);
        ChartStyle.apply(chart);
        return chart;
    }

    static SymbolAxis axis(String label, List<Integer> values) {
        SymbolAxis axis = new SymbolAxis(label, values.stream().map(String::valueOf).toArray(String[]::new));
        axis.setGridBandsVisible(false);
        return axis;
    }
}

package dev.parasim.report.chart;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.util.Map;

/**
 * One look for every chart: fonts large enough to read on a slide, flat bars, a white plot with light
 * grid lines, the legend at the bottom, and one colour per component wherever it appears.
 */
final class ChartStyle {
    public static final String FONT = "SansSerif";
    static final Font TITLE = new Font(FONT, Font.BOLD, 20);
    static final Font SUBTITLE = new Font(FONT, Font.PLAIN, 14);
    static final Font AXIS = new Font(FONT, Font.PLAIN, 15);
    static final Font TICK = new Font(FONT, Font.PLAIN, 13);
    static final Font SMALL = new Font(FONT, Font.PLAIN, 12);
    static final Font SMALL_BOLD = new Font(FONT, Font.BOLD, 12);
    static final Color GRID = new Color(0xDD, 0xDD, 0xDD);
    static final Color TEXT = new Color(0x22, 0x22, 0x22);
    static final Color ALERT = new Color(0xB2, 0x18, 0x2B);

    /** {@return the colour mixed 80% toward light grey: a bar that is shown but out of the race} */
    static Color faded(Color c) {
        int grey = 0xE0;
        return new Color((c.getRed() + 4 * grey) / 5, (c.getGreen() + 4 * grey) / 5, (c.getBlue() + 4 * grey) / 5);
    }
    static final BasicStroke MARKER = new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f,
            new float[] {9f, 5f}, 0f);

    /** Colours by component name; memory parts, step-time parts, collectives and span kinds each keep theirs. */
    private static final Map<String, Color> COLOURS = Map.ofEntries(
            // memory per GPU
            Map.entry("params", new Color(0x1F5FA8)),
            Map.entry("grads", new Color(0x6BAED6)),
            Map.entry("optimizer", new Color(0x756BB1)),
            Map.entry("activations", new Color(0xF28E2B)),
            Map.entry("other", new Color(0xB0A8A4)),
            // step time (the Gantt's compute kinds use the compute family)
            Map.entry("compute", new Color(0x4E79A7)),
            Map.entry("exposed comm", new Color(0xE15759)),
            Map.entry("bubble", new Color(0xC7C7C7)),
            // collectives
            Map.entry("allReduce", new Color(0xE15759)),
            Map.entry("reduceScatter", new Color(0xF1A340)),
            Map.entry("allGather", new Color(0x59A14F)),
            Map.entry("sendRecv", new Color(0x9C755F)),
            Map.entry("allToAll", new Color(0xB07AA1)),
            Map.entry("broadcast", new Color(0x76B7B2)),
            // Gantt span kinds
            Map.entry("F", new Color(0x4E79A7)),
            Map.entry("B", new Color(0x59A14F)),
            Map.entry("B (input)", new Color(0x59A14F)),
            Map.entry("W (weight)", new Color(0xB07AA1)),
            Map.entry("optimizer step", new Color(0x7F7F7F)),
            Map.entry("PP send", new Color(0x9C755F)),
            Map.entry("TP comm", new Color(0xF1A340)),
            Map.entry("CP comm", new Color(0x76B7B2)),
            Map.entry("DP comm", new Color(0xE15759)),
            Map.entry("EP comm", new Color(0xEDC948)));

    /** Link tiers, innermost first. */
    private static final Color[] TIERS = {new Color(0x76B7B2), new Color(0x4E79A7), new Color(0x2F3E5C), new Color(0xAF7AA1)};
    /** Further series (plans, algorithms, schedules) in a fixed order. */
    private static final Color[] SERIES = {new Color(0x4E79A7), new Color(0xE15759), new Color(0x59A14F),
            new Color(0xF28E2B), new Color(0xB07AA1), new Color(0x76B7B2), new Color(0x9C755F), new Color(0xEDC948),
            new Color(0xFF9DA7), new Color(0x2F3E5C)};

    private ChartStyle() {}

    /** {@return the colour of a named component, or a neutral grey for an unknown name} */
    public static Paint colour(String component) {
        return COLOURS.getOrDefault(component, new Color(0x999999));
    }

    public static Paint tier(int index) { return TIERS[index % TIERS.length]; }

    public static Paint series(int index) { return SERIES[index % SERIES.length]; }

    /** Applies fonts, background, flat painters and the bottom legend to a freshly built chart. */
    static JFreeChart apply(JFreeChart chart) {
        StandardChartTheme theme = new StandardChartTheme("parasim");
        theme.setExtraLargeFont(TITLE);
        theme.setLargeFont(AXIS);
        theme.setRegularFont(TICK);
        theme.setSmallFont(SMALL);
        theme.setBarPainter(new StandardBarPainter());
        theme.setXYBarPainter(new StandardXYBarPainter());
        theme.setShadowVisible(false);
        theme.setChartBackgroundPaint(Color.WHITE);
        theme.setPlotBackgroundPaint(Color.WHITE);
        theme.setPlotOutlinePaint(GRID);
        theme.setDomainGridlinePaint(GRID);
        theme.setRangeGridlinePaint(GRID);
        theme.setLegendBackgroundPaint(Color.WHITE);
        theme.setTitlePaint(TEXT);
        theme.setSubtitlePaint(TEXT);
        theme.setAxisLabelPaint(TEXT);
        theme.setTickLabelPaint(TEXT);
        theme.setLegendItemPaint(TEXT);
        theme.apply(chart);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        chart.setPadding(new RectangleInsets(8, 8, 8, 16));
        LegendTitle legend = chart.getLegend();
        if (legend != null) {
            legend.setPosition(RectangleEdge.BOTTOM);
            legend.setFrame(BlockBorder.NONE);
            legend.setItemFont(TICK);
        }
        return chart;
    }

    /** Category labels turn when there are many plans, so long names never overlap. */
    static void categoryLabels(CategoryPlot plot, int categories) {
        CategoryAxis axis = plot.getDomainAxis();
        axis.setMaximumCategoryLabelLines(2);
        axis.setCategoryMargin(0.25);
        if (categories > 8) axis.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    }
}

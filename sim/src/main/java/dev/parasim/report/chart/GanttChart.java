package dev.parasim.report.chart;

import dev.parasim.timeline.Lane;
import dev.parasim.timeline.Span;
import dev.parasim.timeline.SpanKind;
import dev.parasim.timeline.Timeline;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.labels.XYItemLabelGenerator;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYDataset;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;

import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A pipeline Gantt of one step: one row per stage (its representative rank) and lane, stage 0 on top,
 * spans coloured by kind, micro-batch numbers written inside every span wide enough to hold them.
 */
public final class GanttChart {
    private GanttChart() {}

    /** {@return the legend name of a span kind, also its colour key in {@link ChartStyle}} */
    public static String name(SpanKind kind) {
        return switch (kind) {
            case FORWARD -> "F";
            case BACKWARD -> "B";
            case BACKWARD_INPUT -> "B (input)";
            case BACKWARD_WEIGHT -> "W (weight)";
            case OPTIMIZER -> "optimizer step";
            case PP_SEND -> "PP send";
            case TP_COMM -> "TP comm";
            case CP_COMM -> "CP comm";
            case DP_COMM -> "DP comm";
            case EP_COMM -> "EP comm";
        };
    }

    /** @param description what the timeline shows, e.g. "1f1b, p=4, m=8" (may be empty) */
    public static JFreeChart of(Timeline timeline, String description) {
        return window(timeline, description, 0, timeline.stepSeconds());
    }

    /**
     * {@return the Gantt of the spans between {@code fromSeconds} and {@code toSeconds} only}: a zoom for steps
     * with so many micro-batches that the whole step is a blur (spans crossing the window's edges are cut there)
     */
    public static JFreeChart window(Timeline timeline, String description, double fromSeconds, double toSeconds) {
        if (!(toSeconds > fromSeconds)) throw new IllegalArgumentException("window: needs from < to, found " + fromSeconds + ", " + toSeconds);
        boolean whole = fromSeconds <= 0 && toSeconds >= timeline.stepSeconds();
        boolean chunks = timeline.spans().stream().anyMatch(s -> s.chunk() > 0);
        boolean ms = timeline.stepSeconds() < 1;
        double scale = ms ? 1e3 : 1;
        List<Span> shown = timeline.spans().stream()
                .filter(s -> s.endSeconds() > fromSeconds && s.startSeconds() < toSeconds).toList();
        // Comm rows only when something happens on them in this window.
        boolean comm = shown.stream().anyMatch(s -> s.lane() == Lane.COMM);
        List<String> rows = new ArrayList<>();
        for (int s = 0; s < timeline.stages(); s++) {
            rows.add(timeline.rowNoun() + " " + s + (comm ? " compute" : ""));
            if (comm) rows.add(timeline.rowNoun() + " " + s + " comm");
        }
        Map<SpanKind, XYIntervalSeries> series = new EnumMap<>(SpanKind.class);
        for (Span s : shown) series.computeIfAbsent(s.kind(), k -> new XYIntervalSeries(name(k), false, true));
        XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
        List<SpanKind> order = new ArrayList<>(series.keySet());
        for (SpanKind k : order) data.addSeries(series.get(k));
        Map<Long, String> labels = new HashMap<>();
        int densest = 0;
        for (int r = 0; r < rows.size(); r++) {
            int row = r;
            densest = Math.max(densest, (int) shown.stream().filter(s -> (comm ? 2 * s.stage() + (s.lane() == Lane.COMM ? 1 : 0)
                    : s.stage()) == row).count());
        }
        for (Span s : shown) {
            int row = comm ? 2 * s.stage() + (s.lane() == Lane.COMM ? 1 : 0) : s.stage();
            XYIntervalSeries target = series.get(s.kind());
            double start = Math.max(s.startSeconds(), fromSeconds) * scale, end = Math.min(s.endSeconds(), toSeconds) * scale;
            target.add(row, row - 0.38, row + 0.38, start, start, end);
            if (s.microBatch() >= 0)
                labels.put(key(order.indexOf(s.kind()), target.getItemCount() - 1),
                        s.microBatch() + (chunks && s.chunk() >= 0 ? "." + s.chunk() : ""));
        }
        SymbolAxis rowAxis = new SymbolAxis(null, rows.toArray(new String[0]));
        rowAxis.setInverted(true);
        rowAxis.setGridBandsVisible(false);
        NumberAxis timeAxis = new NumberAxis(ms ? "time in step (ms)" : "time in step (s)");
        double span = (toSeconds - fromSeconds) * scale;
        timeAxis.setRange(fromSeconds * scale, toSeconds * scale + (whole ? 0.01 * span : 0));
        LabelledBars renderer = new LabelledBars(labels);
        renderer.setUseYInterval(true);
        renderer.setLegendBar(new Rectangle2D.Double(-8, -6, 16, 12));
        // White edges separate neighbouring spans; on a dense row they would paint over the spans themselves.
        renderer.setDrawBarOutline(densest <= 80);
        renderer.setDefaultOutlinePaint(Color.WHITE);
        renderer.setDefaultItemLabelGenerator((XYItemLabelGenerator) (d, s, i) -> labels.get(key(s, i)));
        renderer.setDefaultItemLabelsVisible(true);
        XYPlot plot = new XYPlot(data, rowAxis, timeAxis, renderer);
        plot.setOrientation(org.jfree.chart.plot.PlotOrientation.HORIZONTAL);
        String title = "Pipeline schedule — " + timeline.plan() + (whole ? ""
                : fromSeconds <= 0 ? ", first " + time(toSeconds) + " of the step" : ", " + time(fromSeconds) + " to " + time(toSeconds));
        JFreeChart chart = new JFreeChart(title, ChartStyle.TITLE, plot, true);
        String summary = String.format(Locale.ROOT, "%sstep %s, bubble %s (%.1f%% of the bubble-free step), exposed comm %s; labels: micro-batch%s",
                description == null || description.isBlank() ? "" : description + " — ",
                time(timeline.stepSeconds()), time(timeline.bubbleSeconds()),
                100 * timeline.bubbleFraction(), time(timeline.exposedCommSeconds()),
                chunks ? ".chunk" : " numbers");
        chart.addSubtitle(new TextTitle(summary, ChartStyle.SUBTITLE));
        ChartStyle.apply(chart);
        for (int i = 0; i < order.size(); i++) renderer.setSeriesPaint(i, ChartStyle.colour(name(order.get(i))));
        rowAxis.setTickLabelFont(ChartStyle.TICK);
        return chart;
    }

    private static String time(double seconds) {
        if (seconds == 0) return "0 s";
        return seconds < 1 ? String.format(Locale.ROOT, "%.2f ms", seconds * 1e3) : String.format(Locale.ROOT, "%.3f s", seconds);
    }

    private static long key(int series, int item) { return ((long) series << 32) | item; }

    /** Bars whose label is drawn centred inside the bar, and only when it fits there. */
    private static final class LabelledBars extends XYBarRenderer {
        private final Map<Long, String> labels;

        LabelledBars(Map<Long, String> labels) {
            this.labels = labels;
            setShadowVisible(false);
        }

        @Override
        protected void drawItemLabel(Graphics2D g2, XYDataset dataset, int series, int item, XYPlot plot,
                                     XYItemLabelGenerator generator, Rectangle2D bar, boolean negative) {
            String text = labels.get(key(series, item));
            if (text == null) return;
            g2.setFont(ChartStyle.SMALL_BOLD);
            FontMetrics fm = g2.getFontMetrics();
            double width = fm.stringWidth(text);
            if (width + 4 > bar.getWidth() || fm.getAscent() > bar.getHeight()) return;
            g2.setPaint(Color.WHITE);
            g2.drawString(text, (float) (bar.getCenterX() - width / 2),
                    (float) (bar.getCenterY() + (fm.getAscent() - fm.getDescent()) / 2.0));
        }
    }
}

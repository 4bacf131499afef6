package dev.parasim.report.chart;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Pipeline bubble as a fraction of ideal compute time versus micro-batches per step m, for p stages,
 * from the closed forms (no timeline needed):
 * <ul>
 *   <li>GPipe and 1F1B: (p−1)/m — Narayanan et al. 2021 (arXiv:2104.04473) §2.2;</li>
 *   <li>interleaved 1F1B with v chunks per rank: (p−1)/(v·m), m a multiple of p — Narayanan et al. 2021 §2.2;</li>
 *   <li>ZB-H1: bubble (p−1)(T_F+T_B−T_W) against 1F1B's (p−1)(T_F+T_B+T_W), so the fraction is
 *       (p−1)(T_F+T_B−T_W) / (m·(T_F+T_B+T_W)) — Qi et al. 2024 (arXiv:2401.10241) §3.</li>
 * </ul>
 * T_F, T_B and T_W are the forward, input-gradient and weight-gradient times of one micro-batch on one
 * stage; per layer their FLOPs are s·b·h(24h+4s), s·b·h(24h+8s) and s·b·h·24h (Qi et al. 2024 Table 1).
 */
public final class BubbleChart {
    /**
     * What to draw: p stages, m from p to {@code maxMicroBatches}, interleaved lines for each v, and the
     * relative times of F, B (input gradient) and W (weight gradient) for ZB-H1.
     */
    public record Params(int stages, int maxMicroBatches, List<Integer> chunks, double forward, double backwardInput,
                         double backwardWeight) {
        public Params {
            if (stages < 2) throw new IllegalArgumentException("stages: must be at least 2, found " + stages);
            if (maxMicroBatches < stages)
                throw new IllegalArgumentException("maxMicroBatches: must be at least stages (" + stages + "), found " + maxMicroBatches);
            chunks = List.copyOf(chunks);
            if (forward <= 0 || backwardInput <= 0 || backwardWeight <= 0)
                throw new IllegalArgumentException("forward, backwardInput, backwardWeight: must be positive");
        }

        /** {@return parameters with F, B, W from one layer's FLOPs for sequence length s and hidden size h} */
        public static Params fromModel(int stages, int maxMicroBatches, List<Integer> chunks, int seqLen, int hidden) {
            double h = hidden, s = seqLen;
            return new Params(stages, maxMicroBatches, chunks, 24 * h + 4 * s, 24 * h + 8 * s, 24 * h);
        }
    }

    /** A plan of the experiment drawn on the chart: its micro-batches per step and its closed-form bubble fraction. */
    public record PlanPoint(String plan, int microBatches, double fraction) {}

    private BubbleChart() {}

    /** {@return (p−1)/m: GPipe and 1F1B bubble over ideal time (Narayanan et al. 2021)} */
    public static double oneFOneB(int p, int m) { return (p - 1.0) / m; }

    /** {@return (p−1)/(v·m): interleaved 1F1B bubble over ideal time (Narayanan et al. 2021)} */
    public static double interleaved(int p, int m, int v) { return (p - 1.0) / (v * (double) m); }

    /** {@return (p−1)(F+B−W)/(m(F+B+W)): ZB-H1 bubble over ideal time (Qi et al. 2024)} */
    public static double zbH1(int p, int m, double f, double b, double w) {
        return (p - 1.0) * Math.max(0, f + b - w) / (m * (f + b + w));
    }

    public static JFreeChart of(Params params) {
        return of(params, List.of());
    }

    /** {@return the chart with the experiment's own plans marked and named at their (m, bubble) points} */
    public static JFreeChart of(Params params, List<PlanPoint> plans) {
        int p = params.stages();
        XYSeriesCollection data = new XYSeriesCollection();
        XYSeries basic = new XYSeries("GPipe / 1F1B  (p−1)/m");
        XYSeries zb = new XYSeries("ZB-H1  (p−1)(F+B−W)/(m(F+B+W))");
        List<XYSeries> inter = new ArrayList<>();
        for (int v : params.chunks()) inter.add(new XYSeries("interleaved v=" + v + "  (p−1)/(v·m)"));
        for (int m = p; m <= params.maxMicroBatches(); m++) {
            basic.add(m, oneFOneB(p, m));
            zb.add(m, zbH1(p, m, params.forward(), params.backwardInput(), params.backwardWeight()));
            // Interleaving needs m to be a multiple of p; on log-log axes its line is straight, so points at
            // p·2^k (and the last multiple) draw it exactly without crowding the markers.
            boolean doubling = m % p == 0 && Integer.bitCount(m / p) == 1;
            boolean lastMultiple = m % p == 0 && m + p > params.maxMicroBatches();
            if (doubling || lastMultiple) for (int i = 0; i < inter.size(); i++) inter.get(i).add(m, interleaved(p, m, params.chunks().get(i)));
        }
        data.addSeries(basic);
        for (XYSeries s : inter) data.addSeries(s);
        data.addSeries(zb);
        XYSeries marked = new XYSeries("plans of this experiment", false, true);
        for (PlanPoint pt : plans) marked.add(pt.microBatches(), pt.fraction());
        if (!plans.isEmpty()) data.addSeries(marked);
        // Log-log: each closed form is a straight line, and large m stays as readable as small m.
        LogAxis x = new LogAxis("micro-batches per step m (log scale)");
        x.setBase(2);
        x.setTickUnit(new NumberTickUnit(1));
        x.setNumberFormatOverride(new DecimalFormat("0"));
        x.setRange(p / 1.08, params.maxMicroBatches() * 1.08);
        LogAxis y = new LogAxis("bubble / ideal compute time (log scale)");
        y.setBase(10);
        y.setTickUnit(new NumberTickUnit(Math.log10(2)));   // ticks at powers of two: 1.6%, 3.1%, …, 50%, 100%
        y.setNumberFormatOverride(new DecimalFormat("0.#%"));
        double lowest = Math.min(interleaved(p, params.maxMicroBatches(), params.chunks().stream().mapToInt(i -> i).max().orElse(1)),
                zbH1(p, params.maxMicroBatches(), params.forward(), params.backwardInput(), params.backwardWeight()));
        y.setRange(Math.max(1e-4, lowest / 1.6), Math.max(1.1, oneFOneB(p, p) * 1.3));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        JFreeChart chart = new JFreeChart(String.format(Locale.ROOT, "Pipeline bubble by schedule, p = %d stages", p),
                ChartStyle.TITLE, plot, true);
        chart.addSubtitle(new TextTitle(String.format(Locale.ROOT,
                "closed forms (Narayanan et al. 2021; Qi et al. 2024); ZB-H1 with F:B:W = %.2f : %.2f : 1",
                params.forward() / params.backwardWeight(), params.backwardInput() / params.backwardWeight()), ChartStyle.SUBTITLE));
        ChartStyle.apply(chart);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, ChartStyle.series(i));
            renderer.setSeriesStroke(i, new BasicStroke(2.5f));
        }
        for (int i = 1; i <= inter.size(); i++) renderer.setSeriesShapesVisible(i, true);
        if (!plans.isEmpty()) {
            int last = data.getSeriesCount() - 1;
            renderer.setSeriesLinesVisible(last, false);
            renderer.setSeriesShapesVisible(last, true);
            renderer.setSeriesPaint(last, ChartStyle.TEXT);
            renderer.setSeriesShape(last, new java.awt.geom.Ellipse2D.Double(-5, -5, 10, 10));
            for (int i = 0; i < plans.size(); i++) {
                PlanPoint pt = plans.get(i);
                // Names of points in the right half go to the left of their point, so they stay inside the plot.
                boolean right = pt.microBatches() > Math.sqrt((double) p * params.maxMicroBatches());
                String text = pt.plan() + String.format(Locale.ROOT, " (%.1f%%)", 100 * pt.fraction());
                XYTextAnnotation label = new XYTextAnnotation(right ? text + "   " : "   " + text, pt.microBatches(), pt.fraction());
                label.setFont(ChartStyle.SMALL_BOLD);
                label.setPaint(ChartStyle.TEXT);
                // Plans at the same point are stacked upwards so their names do not overlap.
                label.setTextAnchor(right ? TextAnchor.CENTER_RIGHT : TextAnchor.CENTER_LEFT);
                long before = plans.subList(0, i).stream().filter(o -> o.microBatches() == pt.microBatches()
                        && Math.abs(Math.log(o.fraction() / pt.fraction())) < Math.log(1.25)).count();
                label.setY(pt.fraction() * Math.pow(1.25, before));
                plot.addAnnotation(label);
            }
        }
        return chart;
    }
}

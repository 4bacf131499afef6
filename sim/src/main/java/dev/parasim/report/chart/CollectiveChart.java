package dev.parasim.report.chart;

import dev.parasim.collective.CollectiveAlgorithm;
import dev.parasim.collective.CollectiveCost;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.collective.Transfer;
import dev.parasim.plan.GroupSpan;
import dev.parasim.spec.LinkTier;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Collective time and bus bandwidth versus message size, per algorithm and rank count, from the α-β
 * model of {@link CollectiveCost} on a cluster's tiers. busbw = algbw · factor(n), algbw = S/t
 * (NCCL nccl-tests doc/PERFORMANCE.md); ring AllReduce t ≈ 2(n−1)·α + 2(n−1)/n·S/β.
 */
public final class CollectiveChart {
    /**
     * @param rankCounts group sizes to draw; a group larger than a node spans ⌈n/gpusPerNode⌉ full nodes
     */
    public record Params(String cluster, LinkTier nodeTier, LinkTier clusterTier, int gpusPerNode, CollectiveKind kind,
                         List<Integer> rankCounts, long minBytes, long maxBytes) {
        public Params {
            rankCounts = List.copyOf(rankCounts);
            if (rankCounts.isEmpty() || rankCounts.stream().anyMatch(n -> n < 2))
                throw new IllegalArgumentException("rankCounts: must be non-empty, each at least 2, found " + rankCounts);
            if (minBytes < 1 || maxBytes <= minBytes)
                throw new IllegalArgumentException("minBytes, maxBytes: need 1 <= min < max, found " + minBytes + ", " + maxBytes);
        }
    }

    /** One drawn line: an algorithm on a group of n ranks. */
    public record Line(CollectiveAlgorithm algorithm, int ranks, GroupSpan span) {
        String name() {
            String a = switch (algorithm) {
                case RING -> "ring";
                case HALVING_DOUBLING -> "halving-doubling";
                case HIERARCHICAL -> "hierarchical";
            };
            return a + ", n=" + ranks + (span.crossesNodes() ? " (" + span.nodes() + " nodes)" : " (1 node)");
        }
    }

    private CollectiveChart() {}

    /** {@return the lines drawn for these parameters; halving-doubling only for AllReduce, hierarchical only across nodes} */
    public static List<Line> lines(Params p) {
        List<Line> lines = new ArrayList<>();
        for (int n : p.rankCounts()) {
            GroupSpan span = n <= p.gpusPerNode() ? new GroupSpan(n, n, 1)
                    : new GroupSpan(n, p.gpusPerNode(), (n + p.gpusPerNode() - 1) / p.gpusPerNode());
            lines.add(new Line(CollectiveAlgorithm.RING, n, span));
            if (p.kind() == CollectiveKind.ALL_REDUCE) lines.add(new Line(CollectiveAlgorithm.HALVING_DOUBLING, n, span));
            if (span.crossesNodes() && span.perNode() > 1) lines.add(new Line(CollectiveAlgorithm.HIERARCHICAL, n, span));
        }
        return lines;
    }

    public static JFreeChart time(Params p) {
        LogAxis y = new LogAxis("time per collective (log scale)");
        y.setNumberFormatOverride(UnitFormat.seconds());
        y.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1));
        return chart(p, false, y, "%s time vs message size — %s");
    }

    public static JFreeChart busBandwidth(Params p) {
        NumberAxis y = new NumberAxis("bus bandwidth per GPU (GB/s)");
        return chart(p, true, y, "%s bus bandwidth vs message size — %s");
    }

    private static JFreeChart chart(Params p, boolean busbw, ValueAxis y, String title) {
        CollectiveCost cost = new CollectiveCost(p.nodeTier(), p.clusterTier());
        List<Line> lines = lines(p);
        XYSeriesCollection data = new XYSeriesCollection();
        for (Line line : lines) {
            XYSeries s = new XYSeries(line.name(), false, true);
            for (double bytes = p.minBytes(); bytes <= p.maxBytes() * 1.0001; bytes *= 2) {
                Transfer t = cost.of(p.kind(), bytes, line.span(), line.algorithm());
                double seconds = t.seconds();
                if (seconds <= 0) continue;
                s.add(bytes, busbw ? bytes / seconds * p.kind().busBandwidthFactor(line.ranks()) / 1e9 : seconds);
            }
            data.addSeries(s);
        }
        LogAxis x = new LogAxis("message size S (bytes, log scale)");
        x.setBase(10);
        x.setNumberFormatOverride(UnitFormat.bytes());
        x.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1));
        x.setRange(p.minBytes() * 0.8, p.maxBytes() * 1.25);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        JFreeChart chart = new JFreeChart(String.format(Locale.ROOT, title, p.kind().label(), p.cluster()), ChartStyle.TITLE, plot, true);
        chart.addSubtitle(new TextTitle(String.format(Locale.ROOT,
                "α-β model: %s %.0f GB/s × %.2f, α %.1f µs; %s %.0f GB/s × %.2f, α %.1f µs%s",
                p.nodeTier().name(), p.nodeTier().bandwidthGBps(), p.nodeTier().efficiency(), p.nodeTier().latencyUs(),
                p.clusterTier().name(), p.clusterTier().bandwidthGBps(), p.clusterTier().efficiency(), p.clusterTier().latencyUs(),
                busbw ? "; busbw = S/t · factor(n), NCCL PERFORMANCE.md" : ""), ChartStyle.SUBTITLE));
        ChartStyle.apply(chart);
        List<Integer> counts = p.rankCounts();
        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            renderer.setSeriesPaint(i, ChartStyle.series(line.algorithm().ordinal()));
            int dash = counts.indexOf(line.ranks());
            renderer.setSeriesStroke(i, dash == 0 ? new BasicStroke(2.5f)
                    : new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f,
                    dash == 1 ? new float[] {10f, 5f} : new float[] {3f, 4f}, 0f));
        }
        return chart;
    }
}

package dev.parasim.report.chart;

import dev.parasim.collective.CollectiveKind;
import dev.parasim.report.Svg;
import dev.parasim.report.TimelineFixtures;
import dev.parasim.spec.LinkTier;
import dev.parasim.spec.TierScope;
import dev.parasim.timeline.Timeline;
import org.jfree.chart.JFreeChart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every chart type renders to a PNG of the asked size that is not blank, and to an SVG that parses and carries the title. */
class ChartsTest {
    /** Charts land here so a person can look at them after the build. */
    static final Path OUT = Path.of("target", "chart-preview");

    record Case(String name, JFreeChart chart, String title, int width, int height) {
        @Override public String toString() { return name; }
    }

    static final LinkTier NVLINK = new LinkTier("nvlink", TierScope.NODE, 300, 3, 0.8);
    static final LinkTier IB = new LinkTier("infiniband", TierScope.CLUSTER, 25, 5, 0.85);

    static Stream<Case> charts() {
        List<MemoryChart.Bar> memory = List.of(
                new MemoryChart.Bar("ddp", 350_000_000_000L, 350_000_000_000L, 2_100_000_000_000L, 60_000_000_000L, 2_000_000_000L, 80_000_000_000L),
                new MemoryChart.Bar("zero3", 700_000_000L, 700_000_000L, 4_100_000_000L, 85_000_000_000L, 4_000_000_000L, 80_000_000_000L),
                new MemoryChart.Bar("3d", 5_500_000_000L, 5_500_000_000L, 33_000_000_000L, 14_000_000_000L, 1_500_000_000L, 80_000_000_000L));
        List<CommChart.Bar> comm = List.of(
                new CommChart.Bar("ddp", Map.of("allReduce", 697_000_000_000L), false),
                new CommChart.Bar("3d", Map.of("allReduce", 500_000_000_000L, "allGather", 150_000_000_000L, "sendRecv", 2_000_000_000L)));
        List<CommChart.Bar> tiers = List.of(
                new CommChart.Bar("ddp", Map.of("nvlink", 600_000_000_000L, "infiniband", 97_000_000_000L)),
                new CommChart.Bar("3d", Map.of("nvlink", 640_000_000_000L, "infiniband", 12_000_000_000L)));
        List<StepTimeChart.Bar> steps = List.of(new StepTimeChart.Bar("ddp", 30, 20, 0, false),
                new StepTimeChart.Bar("3d", 31, 3, 6, true));
        Timeline gantt = TimelineFixtures.oneFOneB("tp8-pp4-1f1b", 4, 8, 0.010, 0.020, 0.001, 0.015);
        CollectiveChart.Params coll = new CollectiveChart.Params("dgx-a100-80g", NVLINK, IB, 8, CollectiveKind.ALL_REDUCE,
                List.of(8, 64, 512), 1_000, 4_000_000_000L);
        List<ThroughputChart.Point> mfu = List.of(new ThroughputChart.Point("pp=8", 1, 20, false),
                new ThroughputChart.Point("pp=8", 2, 35, true), new ThroughputChart.Point("pp=8", 4, 45, true),
                new ThroughputChart.Point("pp=8", 8, 50, true), new ThroughputChart.Point("pp=1", 8, 38, true));
        return Stream.of(
                new Case("memory", MemoryChart.of("gpt3", memory), "Memory per GPU by component", 1100, 650),
                new Case("comm-by-collective", CommChart.byCollective("gpt3", comm), "Bytes per GPU per step by collective", 1100, 650),
                new Case("comm-by-tier", CommChart.byTier("gpt3", tiers), "Bytes per GPU per step by link tier", 1100, 650),
                new Case("step-time", StepTimeChart.of("gpt3", steps), "Step time breakdown", 1100, 650),
                new Case("gantt", GanttChart.of(gantt, "1f1b, p=4, m=8"), "Pipeline schedule", 1400, 560),
                new Case("gantt-window", GanttChart.window(gantt, "1f1b, p=4, m=8", 0, 0.12), "first 120.00 ms of the step", 1400, 560),
                new Case("bubble", BubbleChart.of(BubbleChart.Params.fromModel(8, 64, List.of(2, 4), 2048, 12288),
                        List.of(new BubbleChart.PlanPoint("1f1b", 24, 7.0 / 24), new BubbleChart.PlanPoint("interleaved", 24, 7.0 / 48))),
                        "Pipeline bubble by schedule", 1100, 650),
                new Case("collective-time", CollectiveChart.time(coll), "allReduce time vs message size", 1100, 650),
                new Case("collective-busbw", CollectiveChart.busBandwidth(coll), "allReduce bus bandwidth", 1100, 650),
                new Case("throughput", ThroughputChart.of("MFU vs tensor-parallel degree", null, "tp", "MFU (%)", mfu),
                        "MFU vs tensor-parallel degree", 1100, 650));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("charts")
    void rendersPngAndSvg(Case c) throws Exception {
        List<Path> files = ChartFiles.save(c.chart(), OUT, c.name(), c.width(), c.height());
        Path png = files.get(0), svg = files.get(1);
        assertEquals(OUT.resolve(c.name() + ".png"), png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(c.width(), image.getWidth());
        assertEquals(c.height(), image.getHeight());
        assertTrue(distinctColours(image) > 8, "PNG is (nearly) a single flat colour");
        assertTrue(Files.size(png) > 10_000, "PNG too small: " + Files.size(png));

        assertTrue(Files.size(svg) > 5_000, "SVG too small: " + Files.size(svg));
        Document doc = Svg.parse(svg);
        assertEquals("svg", doc.getDocumentElement().getNodeName());
        assertEquals("0 0 " + c.width() + " " + c.height(), doc.getDocumentElement().getAttribute("viewBox").replace(".0", ""));
        assertTrue(doc.getDocumentElement().getTextContent().contains(c.title()), "SVG lacks title " + c.title());
    }

    @Test
    void sameChartSameBytes() throws IOException {
        Case c = charts().filter(k -> k.name().equals("gantt")).findFirst().orElseThrow();
        Case again = charts().filter(k -> k.name().equals("gantt")).findFirst().orElseThrow();
        assertArrayEquals(ChartFiles.png(c.chart(), 800, 400), ChartFiles.png(again.chart(), 800, 400));
        assertEquals(ChartFiles.svgElement(c.chart(), 800, 400), ChartFiles.svgElement(again.chart(), 800, 400));
    }

    /** The Llama 2 70B showcase: DDP needs 1.2 TB, the plans that fit tens of GB; the axis reads in GB, as do their labels. */
    @Test
    void showcaseMemoryChartReadsInTheUnitOfThePlansThatFit() {
        var e = dev.parasim.spec.load.SpecLoader.load(Path.of("..", "configs", "experiments", "showcase-llama2-70b.yaml"), List.of());
        var predictions = dev.parasim.analytic.Accountant.predict(e);
        JFreeChart chart = MemoryChart.of(e.name(), predictions.stream().map(p -> new MemoryChart.Bar(p.plan().name(),
                p.memory().paramsBytes(), p.memory().gradsBytes(), p.memory().optimizerBytes(), p.memory().activationsBytes(),
                p.memory().otherBytes(), p.memory().capacityBytes())).toList());
        var plot = chart.getCategoryPlot();
        assertEquals("memory per GPU (GB)", plot.getRangeAxis().getLabel());
        Map<String, String> labels = new java.util.HashMap<>();
        for (Object a : plot.getAnnotations())
            if (a instanceof org.jfree.chart.annotations.CategoryTextAnnotation t) labels.put(t.getCategory().toString(), t.getText());
        var tp8 = predictions.stream().filter(p -> p.plan().name().equals("tp8-pp4-1f1b")).findFirst().orElseThrow();
        assertTrue(tp8.fits());
        assertEquals(String.format(java.util.Locale.ROOT, "%.1f GB", tp8.memory().peakBytes() / 1e9), labels.get("tp8-pp4-1f1b"));
        assertTrue(labels.values().stream().noneMatch(l -> l.startsWith("0.0 ")), labels.toString());
        // DDP's 1.2 TB bar is off scale: the axis follows the capacity and the bars that stay on it (ZeRO-1's ~200 GB).
        double ddp = predictions.stream().filter(p -> p.plan().name().equals("ddp")).findFirst().orElseThrow().memory().peakBytes() / 1e9;
        assertTrue(ddp > 1000 && plot.getRangeAxis().getUpperBound() < ddp / 4,
                "axis runs to " + plot.getRangeAxis().getUpperBound() + " GB, DDP needs " + ddp + " GB");
    }

    @Test
    void stepTimeChartFadesPlansThatDoNotFit() {
        JFreeChart chart = StepTimeChart.of("gpt3", List.of(new StepTimeChart.Bar("ddp", 30, 20, 0, false),
                new StepTimeChart.Bar("3d", 31, 3, 6, true)));
        var renderer = chart.getCategoryPlot().getRenderer();
        assertEquals(ChartStyle.colour("compute"), renderer.getItemPaint(0, 1));
        assertEquals(ChartStyle.faded((java.awt.Color) ChartStyle.colour("compute")), renderer.getItemPaint(0, 0));
        assertTrue(!ChartStyle.colour("compute").equals(ChartStyle.faded((java.awt.Color) ChartStyle.colour("compute"))));
    }

    @Test
    void bubbleClosedForms() {
        assertEquals(7.0 / 8, BubbleChart.oneFOneB(8, 8), 1e-15);
        assertEquals(7.0 / 32, BubbleChart.interleaved(8, 16, 2), 1e-15);
        // F = B = W gives a third of 1F1B's bubble.
        assertEquals(BubbleChart.oneFOneB(4, 8) / 3, BubbleChart.zbH1(4, 8, 1, 1, 1), 1e-15);
    }

    static int distinctColours(BufferedImage image) {
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3)
            for (int x = 0; x < image.getWidth(); x += 3) colours.add(image.getRGB(x, y));
        return colours.size();
    }
}

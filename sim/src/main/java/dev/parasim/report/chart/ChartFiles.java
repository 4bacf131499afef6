package dev.parasim.report.chart;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.SVGUtils;
import org.jfree.svg.ViewBox;

import java.awt.geom.Rectangle2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes one chart as {@code base.png} and {@code base.svg}; headless, deterministic bytes for the same chart. */
public final class ChartFiles {
    private ChartFiles() {}

    /** {@return the two files written: {@code dir/baseName.png} and {@code dir/baseName.svg}} */
    public static List<Path> save(JFreeChart chart, Path dir, String baseName, int width, int height) throws IOException {
        Files.createDirectories(dir);
        Path png = dir.resolve(baseName + ".png");
        Path svg = dir.resolve(baseName + ".svg");
        writePng(chart, png, width, height);
        writeSvg(chart, svg, width, height);
        return List.of(png, svg);
    }

    public static void writePng(JFreeChart chart, Path file, int width, int height) throws IOException {
        Files.write(file, png(chart, width, height));
    }

    public static void writeSvg(JFreeChart chart, Path file, int width, int height) throws IOException {
        SVGUtils.writeToSVG(file.toFile(), svgElement(chart, width, height));
    }

    /** {@return the chart as PNG bytes} */
    public static byte[] png(JFreeChart chart, int width, int height) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(out, chart, width, height);
        return out.toByteArray();
    }

    /** {@return the chart as one {@code <svg>} element} */
    public static String svgElement(JFreeChart chart, int width, int height) {
        SVGGraphics2D g2 = new SVGGraphics2D(width, height);
        // A fixed prefix instead of JFreeSVG's time-based one, so the same chart gives the same bytes.
        g2.setDefsKeyPrefix("parasim");
        chart.draw(g2, new Rectangle2D.Double(0, 0, width, height));
        // A viewBox lets browsers scale the chart to the page width instead of cropping it.
        return g2.getSVGElement(null, true, new ViewBox(0, 0, width, height), null, null);
    }
}

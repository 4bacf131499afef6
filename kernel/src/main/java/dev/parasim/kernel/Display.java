package dev.parasim.kernel;

import dev.parasim.report.chart.ChartFiles;
import org.jfree.chart.JFreeChart;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What notebook cells call to show rich output: a ParaSim chart as an inline PNG, Markdown, a table.
 * The running kernel installs a sink that publishes each item to the notebook at once; without a kernel
 * (unit tests, plain JShell) items go to the default sink, which prints their text form.
 */
public final class Display {
    private Display() {}

    /** One displayed item: MIME type to data (base64 for images), always with a {@code text/plain} form. */
    public record Item(Map<String, String> data) {
        public Item { data = Map.copyOf(data); }
        public String text() { return data.get("text/plain"); }
    }

    private static volatile Consumer<Item> sink = item -> System.out.println(item.text());

    /** Installs where displayed items go (the kernel: its iopub channel); returns the previous sink. */
    public static Consumer<Item> sink(Consumer<Item> next) {
        Consumer<Item> previous = sink;
        sink = next;
        return previous;
    }

    /** Shows PNG bytes inline; {@code alt} is the text form (what a text-only front end prints). */
    public static void png(byte[] png, String alt) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("image/png", Base64.getEncoder().encodeToString(png));
        data.put("text/plain", "[chart: " + alt + "]");
        show(new Item(data));
    }

    /** Renders {@code chart} with ParaSim's chart code to PNG and shows it inline. */
    public static void chart(JFreeChart chart, int widthPx, int heightPx) throws IOException {
        String title = chart.getTitle() == null ? "chart" : chart.getTitle().getText();
        png(ChartFiles.png(chart, widthPx, heightPx), title);
    }

    /** Shows {@code chart} inline and also saves it as {@code file} (PNG); returns the file. */
    public static Path chart(JFreeChart chart, Path file, int widthPx, int heightPx) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        byte[] png = ChartFiles.png(chart, widthPx, heightPx);
        Files.write(file, png);
        png(png, chart.getTitle() == null ? file.getFileName().toString() : chart.getTitle().getText());
        return file;
    }

    /** Shows Markdown (rendered by Jupyter; the text form is the Markdown source). */
    public static void markdown(String markdown) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("text/markdown", markdown);
        data.put("text/plain", markdown);
        show(new Item(data));
    }

    /** Shows a table: a header row and rows of cells, as Markdown with an aligned plain-text form. */
    public static void table(List<String> header, List<List<?>> rows) {
        int[] width = new int[header.size()];
        for (int c = 0; c < header.size(); c++) width[c] = header.get(c).length();
        for (List<?> row : rows) {
            if (row.size() != header.size())
                throw new IllegalArgumentException("table row has " + row.size() + " cells, header " + header.size());
            for (int c = 0; c < row.size(); c++) width[c] = Math.max(width[c], String.valueOf(row.get(c)).length());
        }
        StringBuilder md = new StringBuilder("| " + String.join(" | ", header) + " |\n|");
        md.append(" --- |".repeat(header.size())).append('\n');
        StringBuilder text = new StringBuilder(line(header, width));
        for (List<?> row : rows) {
            md.append("| ").append(String.join(" | ", row.stream().map(String::valueOf).toList())).append(" |\n");
            text.append('\n').append(line(row, width));
        }
        Map<String, String> data = new LinkedHashMap<>();
        data.put("text/markdown", md.toString());
        data.put("text/plain", text.toString());
        show(new Item(data));
    }

    private static String line(List<?> cells, int[] width) {
        StringBuilder s = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            String v = String.valueOf(cells.get(c));
            if (c > 0) s.append("  ");
            s.append(c == 0 ? v + " ".repeat(width[c] - v.length()) : " ".repeat(width[c] - v.length()) + v);
        }
        return s.toString().stripTrailing();
    }

    private static void show(Item item) {
        // What the cell printed so far goes out first, so text and pictures keep the cell's order.
        PrintStream out = System.out;
        out.flush();
        sink.accept(item);
    }
}

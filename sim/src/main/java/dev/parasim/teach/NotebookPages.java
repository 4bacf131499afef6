package dev.parasim.teach;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parasim.spec.SpecException;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

/**
 * The executed notebooks as pages of the book ({@code notebooks/index.html} and one page per notebook): rendered from
 * the committed {@code .ipynb} files, whose outputs the tests re-execute in Jupyter and compare, so the pages show
 * what a learner gets. Markdown cells and Markdown outputs go through CommonMark (raw HTML escaped), code and text
 * outputs are preformatted, PNG outputs are written next to the page; each page links its {@code .ipynb}.
 */
final class NotebookPages {
    private static final List<org.commonmark.Extension> EXTENSIONS = List.of(TablesExtension.create());
    private static final Parser MARKDOWN = Parser.builder().extensions(EXTENSIONS).build();
    private static final HtmlRenderer HTML = HtmlRenderer.builder().extensions(EXTENSIONS).escapeHtml(true).build();

    /** One notebook: its file name without {@code .ipynb}, its title (its first heading), its parsed JSON and its file. */
    record Notebook(String name, String title, JsonNode json, Path file) {}

    private NotebookPages() {}

    /** {@return the notebooks of {@code dir}, by file name} */
    static List<Notebook> load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new SpecException("--notebooks", "must be a directory of .ipynb files", dir.toString());
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".ipynb")).sorted().toList();
        }
        ObjectMapper json = new ObjectMapper();
        List<Notebook> out = new ArrayList<>();
        for (Path f : files) {
            String name = f.getFileName().toString().replaceFirst("\\.ipynb$", "");
            JsonNode nb;
            try {
                nb = json.readTree(f.toFile());
            } catch (IOException malformed) {
                throw new SpecException(f.toString(), "must be a notebook (JSON)", malformed.getMessage());
            }
            if (!nb.path("cells").isArray()) throw new SpecException(f + ": cells", "must be a list of cells", nb.path("cells").toString());
            out.add(new Notebook(name, title(nb, name), nb, f));
        }
        return out;
    }

    /** Writes {@code root/notebooks/}: the index, a page and a copy of the {@code .ipynb} per notebook, and their images. */
    static void write(List<Notebook> notebooks, Path root) throws IOException {
        Path dir = Files.createDirectories(root.resolve("notebooks"));
        StringBuilder index = new StringBuilder(BookPages.head(Lang.EN, "Notebooks", "../style.css"));
        index.append("<nav><a href=\"../index.html\">").append(BookPages.escape(BookPages.Words.of(Lang.EN).book()))
                .append("</a></nav>\n<h1>Notebooks</h1>\n<p>").append(BookPages.escape(INTRO)).append("</p>\n<ul class=\"questions\">\n");
        for (Notebook n : notebooks) {
            index.append("<li><a href=\"").append(n.name()).append(".html\">").append(BookPages.escape(n.title())).append("</a></li>\n");
            Files.writeString(dir.resolve(n.name() + ".html"), page(n, dir), StandardCharsets.UTF_8);
            Files.copy(n.file(), dir.resolve(n.name() + ".ipynb"));
        }
        Files.writeString(dir.resolve("index.html"), index.append("</ul>\n").append(BookPages.TAIL).toString(), StandardCharsets.UTF_8);
    }

    static final String INTRO = "Java notebooks, one per topic, executed in Jupyter by the tests: build the intuition with predict, "
            + "change one knob, read the chart, then prove it small on Spark. Each page shows the committed outputs; "
            + "download the .ipynb to run it in your own Jupyter with the ParaSim kernel (scripts/install-kernel --user).";

    /** {@return a notebook's page}, its PNG outputs written into {@code dir} */
    static String page(Notebook n, Path dir) throws IOException {
        StringBuilder out = new StringBuilder(BookPages.head(Lang.EN, n.title(), "../style.css"));
        out.append("<nav><a href=\"../index.html\">").append(BookPages.escape(BookPages.Words.of(Lang.EN).book()))
                .append("</a><a href=\"index.html\">Notebooks</a><a href=\"").append(n.name()).append(".ipynb\">")
                .append(n.name()).append(".ipynb</a></nav>\n");
        int images = 0;
        for (JsonNode cell : n.json().path("cells")) {
            String source = text(cell.path("source"));
            switch (cell.path("cell_type").asText()) {
                case "markdown" -> out.append(HTML.render(MARKDOWN.parse(source)));
                case "code" -> {
                    out.append("<pre class=\"cell\"><code>").append(BookPages.escape(source)).append("</code></pre>\n");
                    for (JsonNode output : cell.path("outputs")) {
                        JsonNode data = output.path("data");
                        if (data.has("image/png")) {
                            String file = n.name() + "-" + (++images) + ".png";
                            byte[] png = Base64.getMimeDecoder().decode(text(data.path("image/png")));
                            Files.write(dir.resolve(file), png);
                            String alt = data.has("text/plain") ? text(data.path("text/plain")) : "chart";
                            out.append("<figure><img src=\"").append(file).append("\" alt=\"").append(BookPages.escape(alt))
                                    .append("\"></figure>\n");
                        } else if (data.has("text/markdown")) {
                            out.append("<div class=\"output\">").append(HTML.render(MARKDOWN.parse(text(data.path("text/markdown")))))
                                    .append("</div>\n");
                        } else {
                            String plain = output.has("text") ? text(output.path("text"))
                                    : data.has("text/plain") ? text(data.path("text/plain"))
                                    : output.path("ename").asText("") + ": " + output.path("evalue").asText("");
                            out.append("<pre class=\"output\">").append(BookPages.escape(plain)).append("</pre>\n");
                        }
                    }
                }
                default -> { }   // raw cells are not shown
            }
        }
        return out.append(BookPages.TAIL).toString();
    }

    /** {@return a notebook's title: its first Markdown heading without the #s, or its file name} */
    private static String title(JsonNode nb, String name) {
        for (JsonNode cell : nb.path("cells"))
            if (cell.path("cell_type").asText().equals("markdown"))
                for (String line : text(cell.path("source")).split("\n"))
                    if (line.startsWith("#")) return line.replaceFirst("^#+\\s*", "").strip();
        return name;
    }

    /** Notebook text fields are a string or a list of lines. */
    private static String text(JsonNode node) {
        if (!node.isArray()) return node.asText("");
        StringBuilder s = new StringBuilder();
        for (JsonNode line : node) s.append(line.asText());
        return s.toString();
    }
}

package dev.parasim.report;

import java.util.List;

/** The pieces a report is made of, rendered alike to Markdown and HTML. Text is plain; renderers escape it. */
public sealed interface Block {
    record Heading(int level, String text) implements Block {}

    record Paragraph(String text) implements Block {}

    /** A highlighted statement: the winner, or (when {@code alert}) what went wrong. */
    record Callout(String title, String text, boolean alert) implements Block {}

    record Bullets(List<String> items) implements Block {
        public Bullets { items = List.copyOf(items); }
    }

    /** A table; cells that read as numbers are right-aligned. The first column is a row header when {@code rowHeaders}. */
    record Table(List<String> header, List<List<String>> rows, boolean rowHeaders) implements Block {
        public Table {
            header = List.copyOf(header);
            rows = rows.stream().map(List::copyOf).toList();
            for (List<String> r : rows)
                if (r.size() != header.size())
                    throw new IllegalArgumentException("table row: needs " + header.size() + " cells, found " + r.size());
        }
    }

    /** A chart image by relative path (charts/x.svg), with a link to its twin in the other format (charts/x.png). */
    record Figure(String caption, String image, String twin) implements Block {
        /** {@return "PNG" or "SVG": the twin's format, for its link} */
        public String twinFormat() { return twin.endsWith(".png") ? "PNG" : "SVG"; }
    }

    /** A link to a file of the report by relative path. */
    record Link(String text, String path) implements Block {}

    record Code(String language, String text) implements Block {}

    /** Collapsible in HTML, a plain section in Markdown. */
    record Details(String summary, List<Block> body) implements Block {
        public Details { body = List.copyOf(body); }
    }
}

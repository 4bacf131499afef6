package dev.parasim.report;

import java.util.List;
import java.util.regex.Pattern;

/** Renders report blocks as one self-contained HTML page (inline CSS, no scripts, no external fetches). */
final class HtmlRenderer {
    private static final Pattern NUMBER = Pattern.compile("[−+-]?[0-9][0-9,.]*(e[−+-]?[0-9]+)?\\s*(%|[a-zA-Zµ/]{1,6})?( \\(.*\\))?");

    static final String CSS = """
            :root { color-scheme: light; }
            body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; font-size: 15px; line-height: 1.5;
                   color: #222; background: #fff; max-width: 1280px; margin: 0 auto; padding: 24px 32px 64px; }
            h1 { font-size: 28px; margin: 0 0 8px; }
            h2 { font-size: 21px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #e4e4e4; }
            h3 { font-size: 17px; margin: 24px 0 8px; }
            p { margin: 8px 0; }
            .callout { border-left: 5px solid #4e79a7; background: #f1f5fa; padding: 10px 16px; margin: 14px 0; border-radius: 3px; }
            .callout.alert { border-left-color: #b2182b; background: #fbf0f0; }
            .callout strong { margin-right: 6px; }
            .scroll { overflow-x: auto; margin: 10px 0 18px; }
            table { border-collapse: collapse; font-size: 14px; }
            th, td { border: 1px solid #ddd; padding: 5px 10px; vertical-align: top; }
            thead th { background: #f4f4f4; text-align: left; }
            tbody th { background: #fafafa; text-align: left; font-weight: 600; white-space: nowrap; }
            tbody th.sub { font-weight: normal; padding-left: 26px; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            tbody tr:nth-child(even) td { background: #fcfcfc; }
            figure { margin: 18px 0 30px; }
            figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
            figcaption { font-size: 13px; color: #555; }
            pre { background: #f6f8fa; border: 1px solid #e4e4e4; padding: 12px; overflow-x: auto; font-size: 12.5px; }
            code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
            details summary { cursor: pointer; font-weight: 600; margin: 8px 0; }
            a { color: #1f5fa8; }
            """;

    private HtmlRenderer() {}

    static String render(String title, List<Block> blocks) {
        StringBuilder out = new StringBuilder();
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(escape(title)).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (Block b : blocks) {
            if (b instanceof Block.Heading h) heading(h, ids, out);
            else block(b, out);
        }
        out.append("</body>\n</html>\n");
        return out.toString();
    }

    /** A heading with an id to link to: its words in lower case joined by '-', numbered when repeated. */
    private static void heading(Block.Heading h, java.util.Set<String> ids, StringBuilder out) {
        String slug = h.text().toLowerCase(java.util.Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", "-").replaceAll("^-|-$", "");
        if (slug.isEmpty()) slug = "section";
        String id = slug;
        for (int n = 2; !ids.add(id); n++) id = slug + "-" + n;
        out.append("<h").append(h.level()).append(" id=\"").append(id).append("\">").append(escape(h.text()))
                .append("</h").append(h.level()).append(">\n");
    }

    private static void block(Block b, StringBuilder out) {
        if (b instanceof Block.Paragraph p) out.append("<p>").append(escape(p.text())).append("</p>\n");
        else if (b instanceof Block.Callout c)
            out.append("<div class=\"callout").append(c.alert() ? " alert" : "").append("\"><strong>").append(escape(c.title()))
                    .append("</strong> ").append(escape(c.text())).append("</div>\n");
        else if (b instanceof Block.Bullets l) {
            out.append("<ul>\n");
            for (String item : l.items()) out.append("<li>").append(escape(item)).append("</li>\n");
            out.append("</ul>\n");
        } else if (b instanceof Block.Table t) table(t, out);
        else if (b instanceof Block.Figure f)
            out.append("<figure><img src=\"").append(escape(f.image())).append("\" alt=\"").append(escape(f.caption()))
                    .append("\"><figcaption>").append(escape(f.caption())).append(" (<a href=\"").append(escape(f.twin()))
                    .append("\">").append(f.twinFormat()).append("</a>)</figcaption></figure>\n");
        else if (b instanceof Block.Link l)
            out.append("<p><a href=\"").append(escape(l.path())).append("\">").append(escape(l.text())).append("</a></p>\n");
        else if (b instanceof Block.Code c)
            out.append("<pre><code>").append(escape(c.text().stripTrailing())).append("</code></pre>\n");
        else if (b instanceof Block.Details d) {
            out.append("<details>\n<summary>").append(escape(d.summary())).append("</summary>\n");
            for (Block inner : d.body()) block(inner, out);
            out.append("</details>\n");
        } else throw new IllegalArgumentException("unknown block " + b);
    }

    private static void table(Block.Table t, StringBuilder out) {
        out.append("<div class=\"scroll\"><table>\n<thead><tr>");
        for (String h : t.header()) out.append("<th>").append(escape(h)).append("</th>");
        out.append("</tr></thead>\n<tbody>\n");
        for (List<String> row : t.rows()) {
            out.append("<tr>");
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                if (i == 0 && t.rowHeaders())
                    out.append(cell.startsWith("  ") ? "<th class=\"sub\">" : "<th>").append(escape(cell.strip())).append("</th>");
                else out.append(numeric(row.get(i)) ? "<td class=\"num\">" : "<td>").append(escape(row.get(i))).append("</td>");
            }
            out.append("</tr>\n");
        }
        out.append("</tbody>\n</table></div>\n");
    }

    /** {@return whether a cell reads as a number, possibly with a unit: "59.92 GB", "52.6%", "1,024", "12.5 µs"} */
    static boolean numeric(String cell) {
        return NUMBER.matcher(cell.trim()).matches();
    }

    /** {@return whether every non-empty cell of column {@code i} is a number (row headers never are)} */
    static boolean numericColumn(Block.Table t, int i) {
        if (i == 0 && t.rowHeaders()) return false;
        boolean any = false;
        for (List<String> row : t.rows()) {
            String c = row.get(i).trim();
            if (c.isEmpty() || c.equals("—") || c.equals("-")) continue;
            if (!numeric(c)) return false;
            any = true;
        }
        return any;
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}

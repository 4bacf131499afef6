package dev.parasim.report;

import java.util.List;

/** Renders report blocks as GitHub-flavoured Markdown. */
final class MarkdownRenderer {
    private MarkdownRenderer() {}

    static String render(List<Block> blocks) {
        StringBuilder out = new StringBuilder();
        for (Block b : blocks) block(b, out);
        return out.toString().stripTrailing() + "\n";
    }

    private static void block(Block b, StringBuilder out) {
        if (b instanceof Block.Heading h) out.append("#".repeat(h.level())).append(' ').append(inline(h.text())).append("\n\n");
        else if (b instanceof Block.Paragraph p) out.append(inline(p.text())).append("\n\n");
        else if (b instanceof Block.Callout c)
            out.append("> **").append(inline(c.title())).append("** ").append(inline(c.text())).append("\n\n");
        else if (b instanceof Block.Bullets l) {
            for (String item : l.items()) out.append("- ").append(inline(item)).append('\n');
            out.append('\n');
        } else if (b instanceof Block.Table t) table(t, out);
        else if (b instanceof Block.Figure f)
            out.append("![").append(inline(f.caption())).append("](").append(f.image()).append(")\n\n*")
                    .append(inline(f.caption())).append("* ([").append(f.twinFormat()).append("](").append(f.twin()).append("))\n\n");
        else if (b instanceof Block.Link l) out.append("- [").append(inline(l.text())).append("](").append(l.path()).append(")\n\n");
        else if (b instanceof Block.Code c) {
            String fence = c.text().contains("```") ? "~~~~" : "```";
            out.append(fence).append(c.language()).append('\n').append(c.text().stripTrailing()).append('\n').append(fence).append("\n\n");
        } else if (b instanceof Block.Details d) {
            out.append("**").append(inline(d.summary())).append("**\n\n");
            for (Block inner : d.body()) block(inner, out);
        } else throw new IllegalArgumentException("unknown block " + b);
    }

    private static void table(Block.Table t, StringBuilder out) {
        out.append('|');
        for (String h : t.header()) out.append(' ').append(cell(h)).append(" |");
        out.append("\n|");
        for (int i = 0; i < t.header().size(); i++) out.append(HtmlRenderer.numericColumn(t, i) ? "---:|" : "---|");
        out.append('\n');
        for (List<String> row : t.rows()) {
            out.append('|');
            for (String c : row) out.append(' ').append(cell(c.startsWith("  ") ? "↳ " + c.strip() : c)).append(" |");
            out.append('\n');
        }
        out.append('\n');
    }

    private static String cell(String s) { return inline(s).replace("|", "\\|").replace("\n", " "); }

    /** Escapes the characters Markdown would read as emphasis or markup. */
    static String inline(String s) {
        return s.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("<", "&lt;").replace(">", "&gt;");
    }
}

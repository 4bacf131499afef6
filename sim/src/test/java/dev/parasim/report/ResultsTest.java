package dev.parasim.report;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** results.csv flattening and quoting, and the report's Markdown and HTML escaping. */
class ResultsTest {
    @Test
    void csvFlattensInFirstSeenOrderAndQuotes() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("name", "plain");
        a.put("memory", Map.of("fits", true));
        a.put("busy", List.of(1.5, 2.0));
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("name", "with, comma \"quoted\"");
        b.put("memory", new LinkedHashMap<>(Map.of("fits", false)));
        b.put("executed", Map.of("bytesPerGpu", 42L));
        String csv = Results.csv(List.of(a, b));
        assertEquals("""
                name,memory.fits,memory.reason,busy,executed.bytesPerGpu
                plain,true,,1.5;2.0,
                "with, comma ""quoted""\",false,,,42
                """, csv);
    }

    @Test
    void renderersEscapeMarkup() {
        List<Block> blocks = List.of(new Block.Paragraph("a <b> & *c* | d_e"),
                new Block.Table(List.of("x", "y"), List.of(List.of("  sub", "1.5 GB")), true));
        String html = HtmlRenderer.render("t", blocks);
        assertEquals(true, html.contains("<p>a &lt;b&gt; &amp; *c* | d_e</p>"), html);
        assertEquals(true, html.contains("<th class=\"sub\">sub</th><td class=\"num\">1.5 GB</td>"), html);
        String md = MarkdownRenderer.render(blocks);
        assertEquals(true, md.startsWith("a &lt;b&gt; & \\*c\\* | d\\_e\n"), md);
        assertEquals(true, md.contains("| ↳ sub | 1.5 GB |"), md);
        assertEquals(true, md.contains("|---|---:|"), md);
    }
}

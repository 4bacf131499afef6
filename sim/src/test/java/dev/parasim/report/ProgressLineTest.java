package dev.parasim.report;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One line per phase: rewritten in place on a terminal, a plain line per quarter elsewhere; never ANSI codes. */
class ProgressLineTest {
    @Test
    void plainLogGetsAQuarterLineAndTheSummary() {
        StringWriter text = new StringWriter();
        ProgressLine line = new ProgressLine(new PrintWriter(text), false, "[run] x: supersteps", 100);
        for (int i = 1; i <= 100; i++) line.update(i);
        line.finish("[run] x: done");
        line.update(100);   // a late event after the summary prints nothing
        var lines = text.toString().lines().toList();
        assertEquals(5, lines.size(), text.toString());
        assertTrue(lines.get(0).startsWith("[run] x: supersteps 25/100 ("), lines.get(0));
        assertTrue(lines.get(3).startsWith("[run] x: supersteps 100/100 ("), lines.get(3));
        assertEquals("[run] x: done", lines.get(4));
        assertFalse(text.toString().contains("\r"));
    }

    @Test
    void terminalLineIsRewrittenInPlaceWithoutAnsiCodes() {
        StringWriter text = new StringWriter();
        ProgressLine line = new ProgressLine(new PrintWriter(text), true, "[sweep] s: plan groups evaluated", 3);
        line.update(1);
        line.update(3);
        line.finish("[sweep] s: 3 plan groups evaluated");
        String out = text.toString();
        assertTrue(out.startsWith("\r[sweep] s: plan groups evaluated 1/3 ("), out);
        assertTrue(out.contains("\r[sweep] s: plan groups evaluated 3/3 ("), out);
        assertTrue(out.matches("(?s).*\\r\\[sweep] s: 3 plan groups evaluated *" + System.lineSeparator()), out);
        assertEquals(1, out.chars().filter(c -> c == '\n').count(), out);   // one finished line
        assertTrue(out.chars().noneMatch(c -> c == 27), "no ANSI escape");
    }

    @Test
    void aRevisedTotalReplacesTheEstimate() {
        // An executed pipeline's first estimate (its programs' rounds) is below what its ranks take once they wait for
        // each other; after its first step the total is what the step took, times the steps.
        StringWriter text = new StringWriter();
        ProgressLine line = new ProgressLine(new PrintWriter(text), false, "[run] x: supersteps", 60);
        line.update(40, 60);
        line.update(40, 120);
        line.update(120, 120);
        var lines = text.toString().lines().toList();
        assertEquals(2, lines.size(), text.toString());   // half of 60 shown; 40 of 120 is below that, not shown again
        assertTrue(lines.get(0).startsWith("[run] x: supersteps 40/60 ("), lines.get(0));
        assertTrue(lines.get(1).startsWith("[run] x: supersteps 120/120 ("), lines.get(1));
    }

}

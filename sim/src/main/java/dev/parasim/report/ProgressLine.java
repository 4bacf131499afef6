package dev.parasim.report;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * One progress line for one long phase ("supersteps 120/480", "files 40/172"). On a terminal the line is
 * rewritten in place with a carriage return (no ANSI codes); elsewhere (CI logs, files, tests) it prints a
 * plain line at each quarter and none in between. {@link #finish} ends the phase with a short summary line;
 * updates after it (late listener events) are ignored.
 *
 * <pre>{@code
 * ProgressLine p = new ProgressLine(err, ProgressLine.terminal(), "[report] showcase: files", 172);
 * for (int i = 1; i <= 172; i++) p.update(i);
 * p.finish("[report] showcase: 172 files in 9.1 s");
 * }</pre>
 */
public final class ProgressLine {
    private final PrintWriter out;
    private final boolean live;
    private final String label;
    private long total;
    private final long startNanos = System.nanoTime();
    private int quartersShown;
    private int widthShown;
    private long lastLiveNanos;
    private boolean finished;

    /** @param live rewrite one line in place (a terminal) rather than print plain lines (see {@link #terminal}) */
    public ProgressLine(PrintWriter out, boolean live, String label, long total) {
        this.out = out;
        this.live = live;
        this.label = label;
        this.total = Math.max(1, total);
    }

    /** {@return whether standard error is an interactive terminal and not a CI run (CI sets CI=true)} */
    public static boolean terminal() {
        return System.console() != null && System.getenv("CI") == null;
    }

    /** {@return seconds since this line was made} */
    public double seconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /**
     * Shows {@code done} of {@code total}, a revised estimate of the whole (a phase whose length is known only as it
     * runs); the quarters already printed stay printed.
     */
    public synchronized void update(long done, long total) {
        this.total = Math.max(1, total);
        update(done);
    }

    /** Shows {@code done} of the total (a live line at most ten times a second; a plain line at each quarter). */
    public synchronized void update(long done) {
        if (out == null || finished) return;
        String text = String.format(Locale.ROOT, "%s %d/%d (%.1f s)", label, Math.min(done, total), total, seconds());
        if (live) {
            long now = System.nanoTime();
            if (now - lastLiveNanos < 100_000_000L && done < total) return;
            lastLiveNanos = now;
            out.print("\r" + text + " ".repeat(Math.max(0, widthShown - text.length())));
            widthShown = text.length();
            out.flush();
            return;
        }
        int quarter = (int) Math.min(4, 4 * done / total);
        if (quarter > quartersShown) {
            quartersShown = quarter;
            out.println(text);
            out.flush();
        }
    }

    /** Ends the phase: the live line is replaced by {@code summary}; a plain log gets it as its last line. */
    public synchronized void finish(String summary) {
        if (out == null || finished) return;
        finished = true;
        if (live) out.print("\r" + summary + " ".repeat(Math.max(0, widthShown - summary.length())) + System.lineSeparator());
        else out.println(summary);
        out.flush();
    }
}

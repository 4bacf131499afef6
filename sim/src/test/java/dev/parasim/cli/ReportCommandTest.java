package dev.parasim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sim report} through the real entry point: files in place, what-ifs applied, same date same bytes, bad input exits 2. */
class ReportCommandTest {
    static final String SHOWCASE = CliSmokeTest.CONFIGS.resolve("gpt3-on-a100.yaml").toString();

    @TempDir
    Path out;

    @Test
    void writesTheReportAndPrintsItsPath() throws IOException {
        CliRunner r = CliRunner.run("report", SHOWCASE, "--out", out.toString(), "--date", "2026-01-01T00:00:00Z",
                "--set", "plans[0].dp=512");
        assertEquals(0, r.exitCode(), r.err());
        Path dir = out.resolve("gpt3-on-a100");
        assertEquals(dir.resolve("report.html").toString(), r.out().strip());
        // One plain progress line per quarter and a summary, not a line per file.
        assertTrue(r.err().lines().count() <= 5, r.err());
        assertTrue(r.err().lines().allMatch(l -> l.startsWith("[report] gpt3-on-a100: ")), r.err());
        for (String f : new String[] {"results.json", "results.csv", "report.md", "report.html", "charts/step-time.svg"})
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        byte[] first = Files.readAllBytes(dir.resolve("report.html"));
        assertEquals(0, CliRunner.run("report", SHOWCASE, "--out", out.toString(), "--date", "2026-01-01T00:00:00Z",
                "--set", "plans[0].dp=512").exitCode());
        assertArrayEquals(first, Files.readAllBytes(dir.resolve("report.html")));
    }

    @Test
    void badInputExitsTwoAndWritesNothing() throws IOException {
        CliRunner r = CliRunner.run("report", SHOWCASE, "--out", out.toString(), "--set", "plans[4].tp=7");
        assertEquals(Main.SPEC_ERROR, r.exitCode());
        assertTrue(r.err().contains("plans[4].tp"), r.err());
        CliRunner date = CliRunner.run("report", SHOWCASE, "--out", out.toString(), "--date", "yesterday");
        assertEquals(Main.SPEC_ERROR, date.exitCode());
        try (var entries = Files.list(out)) {
            assertEquals(0, entries.count());
        }
    }
}

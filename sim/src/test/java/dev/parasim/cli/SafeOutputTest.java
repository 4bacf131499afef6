package dev.parasim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 16's data-loss reproducers: names are one path component, outputs never leave {@code --out}, an
 * {@code --out} that is (or is under) a file is a one-line error, and nothing is written on failure.
 */
class SafeOutputTest {
    static final String FILE_NAME_RULE = "must be a file name of letters, digits, '-', '_' and '.' (not . or ..)";
    static final String SWEEP = """
            name: NAME
            model: {preset: llama2-7b}
            cluster: {preset: dgx-h100}
            gpus: [8]
            training: {globalBatch: 64, precision: bf16-mixed}
            axes: {tp: [1, 2], pp: [1, 2]}
            """;
    static final String EXPERIMENT = """
            name: NAME
            model: {preset: gpt3-175b}
            cluster: {preset: dgx-a100-80g, nodes: 64}
            training: {globalBatch: 1536, microBatch: 1, precision: bf16-mixed, recompute: selective}
            plans:
              - {name: PLAN, dp: 8, tp: 8, pp: 8}
            """;

    @TempDir
    Path dir;

    @Test
    void sweepNamedDotDotOrAPathIsRejectedAndNothingOutsideOutIsTouched() throws IOException {
        Path out = Files.createDirectories(dir.resolve("out"));
        Path victim = Files.createDirectories(dir.resolve("victim"));
        Files.writeString(victim.resolve("keep.txt"), "keep");
        for (String name : List.of("..", ".", "../victim", "\"/tmp/victim\"", "a/b")) {
            Path sweep = write("sweep.yaml", SWEEP.replace("NAME", name));
            String shown = name.replace("\"", "");
            assertRejected("name: " + FILE_NAME_RULE + ", found \"" + shown + "\"", "sweep", sweep.toString(), "--out", out.toString());
        }
        assertEquals("keep", Files.readString(victim.resolve("keep.txt")));
    }

    @Test
    void experimentAndPlanNamesAreFileNames() throws IOException {
        Path out = dir.resolve("out");
        String ok = EXPERIMENT.replace("NAME", "gpt").replace("PLAN", "3d");
        Path file = write("experiment.yaml", ok);
        assertRejected("name: " + FILE_NAME_RULE + ", found \"../../escape\"",
                "report", file.toString(), "--out", out.toString(), "--set", "name=../../escape", "--no-timelines");
        assertRejected("plans[0].name: " + FILE_NAME_RULE + ", found \"..\"",
                "report", file.toString(), "--out", out.toString(), "--set", "plans[0].name=..", "--no-timelines");
        assertRejected("plans[0].name: " + FILE_NAME_RULE + ", found \"a/b\"",
                "predict", file.toString(), "--set", "plans[0].name=a/b");
        String longest = "n".repeat(100);
        assertEquals(0, CliRunner.run("predict", file.toString(), "--set", "name=" + longest).exitCode());
        assertRejected("name: must be at most 100 characters, found \"" + longest + "n\"",
                "predict", file.toString(), "--set", "name=" + longest + "n");
    }

    /** Plan "x" writes gantt-x-start.png and traces/x-executed.json: plans "x-start" and "x-executed" would overwrite them. */
    @Test
    void noPlanIsNamedAfterAnothersFiles() throws IOException {
        Path file = write("two.yaml", EXPERIMENT.replace("NAME", "gpt").replace("PLAN", "x")
                .replace("  - {name: x, dp: 8, tp: 8, pp: 8}", "  - {name: x, dp: 8, tp: 8, pp: 8}\n  - {name: x-start, dp: 8, tp: 8, pp: 8}"));
        assertRejected("plans[1].name: must not be another plan's name followed by -start or -executed (their chart and trace "
                + "files would be the same), found \"x-start\"", "report", file.toString(), "--out", dir.resolve("out").toString());
        assertRejected("plans[1].name: must not be another plan's name followed by -start or -executed (their chart and trace "
                + "files would be the same), found \"x-executed\"", "predict", file.toString(), "--set", "plans[1].name=x-executed");
        assertEquals(0, CliRunner.run("predict", file.toString(), "--set", "plans[1].name=x-end").exitCode());
    }

    @Test
    void outThatIsAFileOrUnderAFileIsOneLine() throws IOException {
        Path file = write("experiment.yaml", EXPERIMENT.replace("NAME", "gpt").replace("PLAN", "3d"));
        Path blocker = write("blocker", "a file where the output directory should go");
        assertRejected("--out: must be a directory, not a file, found \"" + blocker + "\"",
                "report", file.toString(), "--out", blocker.toString(), "--no-timelines");
        Path under = blocker.resolve("reports");
        assertRejected("--out: must not be under a file (" + blocker + "), found \"" + under + "\"",
                "report", file.toString(), "--out", under.toString(), "--no-timelines");
        assertEquals("a file where the output directory should go", Files.readString(blocker));
    }

    @Test
    void aReportWrittenTwiceLeavesOneCompleteDirectory() throws IOException {
        Path out = dir.resolve("out");
        Path file = write("experiment.yaml", EXPERIMENT.replace("NAME", "gpt").replace("PLAN", "3d"));
        for (int i = 0; i < 2; i++)
            assertEquals(0, CliRunner.run("report", file.toString(), "--out", out.toString(), "--no-timelines",
                    "--date", "2026-01-01T00:00:00Z").exitCode());
        try (Stream<Path> entries = Files.list(out)) {
            assertEquals(List.of(out.resolve("gpt")), entries.toList());
        }
    }

    void assertRejected(String message, String... args) {
        List<Path> before = listing();
        CliRunner r = CliRunner.run(args);
        assertEquals(message + System.lineSeparator(), r.err());
        assertEquals(Main.SPEC_ERROR, r.exitCode());
        assertEquals("", r.out());
        assertEquals(before, listing(), "nothing may be written");
    }

    Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    List<Path> listing() {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

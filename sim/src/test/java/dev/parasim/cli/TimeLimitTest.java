package dev.parasim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every verb's wall-clock guard (issue 16): one line, exit 5, nothing written; a bad limit is a usage error. */
class TimeLimitTest {
    @TempDir
    Path dir;

    @Test
    void aReportPastItsLimitStopsWithOneLineExitFiveAndNothingWritten() throws Exception {
        Path out = dir.resolve("out");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "report", Path.of("..", "configs", "experiments", "showcase-llama2-70b.yaml").toString(),
                "--out", out.toString(), "--time-limit", "0.001"));
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the guard did not stop the JVM");
        assertEquals(Main.TIME_LIMIT, p.exitValue(), err);
        assertEquals(List.of("sim report: stopped at its wall-clock limit of 0.001 s (set another with --time-limit SECONDS); "
                + "nothing was written"), err.lines().toList());
        assertEquals(List.of(), Files.exists(out) ? list(out) : List.of());
    }

    @Test
    void aLimitThatIsNotAPositiveNumberOfSecondsIsAUsageError() {
        for (String bad : List.of("0", "-1", "NaN", "1e9")) {
            CliRunner r = CliRunner.run("predict", "../configs/experiments/gpt3-on-a100.yaml", "--time-limit", bad);
            assertEquals(Main.USAGE_ERROR, r.exitCode(), bad);
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("sim predict: --time-limit: must be a number of seconds in (0, 1e7], found "), r.err());
        }
        assertEquals(0, CliRunner.run("predict", "../configs/experiments/gpt3-on-a100.yaml", "--time-limit", "60").exitCode());
    }

    private static List<Path> list(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(q -> !q.equals(root)).toList();
        }
    }
}

package dev.parasim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sim sweep --stream}: the streamed path end to end, with the executors' Parquet and the driver's heap printed. */
class SweepCommandTest {
    static final String SWEEP = """
            name: llama-tiny
            model: {preset: llama2-7b}
            cluster: {preset: dgx-h100}
            gpus: [8, 16]
            training: {globalBatch: 32, precision: bf16-mixed}
            axes:
              tp: [1, 2, 4]
              pp: [1, 2]
              zero: [0, 1]
              schedule: [1f1b, interleaved]
              chunks: [2]
              microBatch: [1, 2]
              recompute: [none, full]
            constraints: {topK: 3}
            """;

    @Test
    void aStreamedSweepWritesItsAnswersTheExecutorsParquetAndPrintsTheDriverHeap(@TempDir Path dir) throws IOException {
        Path sweep = Files.writeString(dir.resolve("tiny.yaml"), SWEEP);
        Path out = dir.resolve("out");
        CliRunner r = CliRunner.run("sweep", sweep.toString(), "--stream", "--parquet", "--out", out.toString(),
                "--date", "2026-01-01T00:00:00Z");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("[sweep] llama-tiny: driver heap: at most "), r.err());
        assertTrue(r.err().contains(" candidates streamed (no row kept)"), r.err());
        Path result = out.resolve("llama-tiny");
        try (Stream<Path> parts = Files.list(result.resolve("plans.parquet"))) {
            assertTrue(parts.anyMatch(p -> p.getFileName().toString().startsWith("part-")), "the executors' Parquet parts");
        }
        try (Stream<Path> left = Files.list(out)) {
            assertEquals(List.of(result), left.toList(), "no staging directory left behind");
        }
        String report = Files.readString(result.resolve("report.md"));
        assertTrue(report.contains("The sweep streamed"), report);
        List<String> plans = Files.readAllLines(result.resolve("plans.csv"));
        assertTrue(plans.size() > 1 && plans.get(0).startsWith("gpus,plan,"), String.join("\n", plans));
        assertTrue(r.out().contains("llama-tiny: ") && r.out().contains(" plans fit"), r.out());
    }
}

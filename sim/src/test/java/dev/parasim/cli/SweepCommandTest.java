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

/**
 * {@code sim sweep} end to end: in-process and as a Spark job, byte for byte the same output; and the streamed path, with the
 * executors' Parquet and the driver's heap printed.
 */
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
    void theInProcessSweepWritesTheSparkJobsBytes(@TempDir Path dir) throws IOException {
        Path sweep = Files.writeString(dir.resolve("tiny.yaml"), SWEEP);
        CliRunner inProcess = CliRunner.run("sweep", sweep.toString(), "--out", dir.resolve("a").toString(), "--master", "local[2]",
                "--date", "2026-01-01T00:00:00Z");
        assertEquals(0, inProcess.exitCode(), inProcess.err());
        assertTrue(inProcess.err().contains("evaluated in 8 tasks on 2 threads of this JVM (no Spark job)"), inProcess.err());
        CliRunner spark = CliRunner.run("sweep", sweep.toString(), "--out", dir.resolve("b").toString(), "--master", "local[2]",
                "--engine", "spark", "--date", "2026-01-01T00:00:00Z");
        assertEquals(0, spark.exitCode(), spark.err());
        assertTrue(spark.err().contains("evaluated in 8 tasks, "), spark.err());
        assertEquals(inProcess.out().replace(dir.resolve("a").toString(), "OUT"), spark.out().replace(dir.resolve("b").toString(), "OUT"));
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir.resolve("a"))) {
            files = walk.filter(Files::isRegularFile).map(dir.resolve("a")::relativize).sorted().toList();
        }
        assertTrue(files.size() > 8 && files.contains(Path.of("llama-tiny", "plans.csv")), files.toString());
        for (Path f : files)
            assertEquals(-1L, Files.mismatch(dir.resolve("a").resolve(f), dir.resolve("b").resolve(f)), f + " differs");
        try (Stream<Path> walk = Files.walk(dir.resolve("b"))) {
            assertEquals(files.size(), walk.filter(Files::isRegularFile).count(), "the same files");
        }
    }

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

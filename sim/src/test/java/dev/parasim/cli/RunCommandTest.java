package dev.parasim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parasim.exec.TestSpark;
import dev.parasim.output.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sim run} through the real entry point, on the shared test session. */
class RunCommandTest {
    @TempDir
    Path dir;

    private Path experiment(boolean withExecute) throws IOException {
        Path file = dir.resolve("tiny.yaml");
        Files.writeString(file, """
                name: tiny-run
                model: {name: tiny-gpt, layers: 1, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 2, nodes: 1}
                training: {globalBatch: 8, microBatch: 2, precision: bf16-mixed}
                plans:
                  - {name: ddp, dp: 2}
                  - {name: zero3, dp: 2, zero: 3}
                """ + (withExecute ? "execute: {steps: 2, seed: 3}\n" : ""));
        return file;
    }

    @Test
    void runPrintsLossesBytesAndMemoryPerPlan() throws IOException {
        TestSpark.session();
        CliRunner table = CliRunner.run("run", experiment(true).toString(), "--out", dir.resolve("out-table").toString());
        assertEquals(0, table.exitCode(), table.err());
        assertTrue(table.out().contains("plan ddp: dp 2, bf16-mixed"), table.out());
        assertTrue(table.out().contains("memory/rank: params"), table.out());

        CliRunner json = CliRunner.run("run", experiment(true).toString(), "--json", "--out", dir.resolve("out-json").toString());
        assertEquals(0, json.exitCode(), json.err());
        JsonNode doc = Json.mapper().readTree(json.out());
        assertEquals(2, doc.get("plans").size());
        for (JsonNode plan : doc.get("plans")) {
            assertTrue(plan.has("memory") && plan.has("comm") && plan.has("time"), "predict fields");
            JsonNode executed = plan.get("executed");
            assertEquals(2, executed.get("losses").size());
            assertTrue(executed.get("comm").get("bytesPerGpu").asLong() > 0);
            assertTrue(executed.get("memory").get("peakBytes").asLong() > 0);
            assertTrue(executed.get("maxRelativeParamDiffVsSingleRank").asDouble() < 0.05, "bf16 stays near the single rank");
        }
        // The executed ZeRO-3 bytes equal the predicted ones (both follow the same closed forms).
        JsonNode zero3 = doc.get("plans").get(1);
        assertEquals(zero3.get("comm").get("byCollective").get("allGather").asLong(),
                zero3.get("executed").get("comm").get("byCollective").get("allGather").asLong());
    }

    @Test
    void executedActivationsEqualThePredictedOnesStageByStage() throws IOException {
        TestSpark.session();
        Path file = dir.resolve("parallel.yaml");
        Files.writeString(file, """
                name: tiny-parallel-run
                model: {name: tiny-gpt, layers: 2, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 2, nodes: 1}
                training: {globalBatch: 4, microBatch: 2, precision: fp32}
                plans:
                  - {name: pp2, dp: 1, pp: 2, schedule: 1f1b}
                  - {name: tp2, dp: 1, tp: 2}
                execute: {steps: 1, seed: 3}
                """);
        CliRunner json = CliRunner.run("run", file.toString(), "--json", "--out", dir.resolve("out-parallel").toString());
        assertEquals(0, json.exitCode(), json.err());
        for (JsonNode plan : Json.mapper().readTree(json.out()).get("plans")) {
            JsonNode predicted = plan.get("memory"), executed = plan.get("executed").get("memory");
            assertEquals(predicted.get("activationsBytesByStage"), executed.get("activationsBytesByStage"), plan.get("name").asText());
            assertEquals(predicted.get("activationsBytes").asLong(), executed.get("activationsBytes").asLong(), plan.get("name").asText());
        }
    }

    @Test
    void runWithoutAnExecuteBlockPredictsAndWritesTheReport(@org.junit.jupiter.api.io.TempDir Path out) throws IOException {
        CliRunner r = CliRunner.run("run", experiment(false).toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("report: "), r.out());
        try (var dirs = java.nio.file.Files.list(out)) {
            Path report = dirs.filter(java.nio.file.Files::isDirectory).findFirst().orElseThrow();
            assertTrue(java.nio.file.Files.exists(report.resolve("report.html")));
            assertTrue(java.nio.file.Files.readString(report.resolve("results.json")).contains("\"plans\""));
            assertFalse(java.nio.file.Files.readString(report.resolve("results.json")).contains("\"executed\""));
        }
    }
}

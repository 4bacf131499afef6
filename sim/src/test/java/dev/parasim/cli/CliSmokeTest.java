package dev.parasim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parasim.output.Json;
import dev.parasim.spec.load.Presets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every CLI verb, every shipped experiment and every preset, through the real entry point. */
class CliSmokeTest {
    static final Path CONFIGS = Path.of("..", "configs", "experiments");

    @TempDir
    Path dir;

    static Stream<Path> experiments() throws IOException {
        try (Stream<Path> files = Files.list(CONFIGS)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("experiments")
    void predictsEveryShippedExperiment(Path experiment) throws IOException {
        CliRunner r = CliRunner.run("predict", experiment.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode doc = Json.mapper().readTree(r.out());
        assertTrue(doc.get("plans").size() > 0);
        for (JsonNode plan : doc.get("plans")) {
            for (String field : List.of("name", "dp", "tp", "pp", "cp", "zero", "world", "parameters", "memory", "comm", "time",
                    "mfu", "mfu6ND", "hfu", "tokensPerSecond"))
                assertTrue(plan.has(field), field);
            for (String field : List.of("paramsBytes", "gradsBytes", "optimizerBytes", "activationsBytes", "otherBytes",
                    "peakBytes", "fits"))
                assertTrue(plan.get("memory").has(field), field);
            for (String kind : List.of("allReduce", "reduceScatter", "allGather", "sendRecv", "allToAll"))
                assertTrue(plan.get("comm").get("byCollective").has(kind), kind);
            for (String field : List.of("stepSeconds", "computeSeconds", "exposedCommSeconds", "bubbleSeconds"))
                assertTrue(plan.get("time").get(field).asDouble() >= 0, field);
            JsonNode m = plan.get("memory");
            assertEquals(m.get("peakBytes").asLong(), m.get("paramsBytes").asLong() + m.get("gradsBytes").asLong()
                    + m.get("optimizerBytes").asLong() + m.get("activationsBytes").asLong() + m.get("otherBytes").asLong());
        }
        CliRunner table = CliRunner.run("predict", experiment.toString());
        assertEquals(0, table.exitCode());
        assertTrue(table.out().contains(doc.get("plans").get(0).get("name").asText()));
    }

    static Stream<String[]> presetPairs() {
        return Presets.names(Presets.Kind.MODELS).stream()
                .flatMap(model -> Presets.names(Presets.Kind.CLUSTERS).stream().map(cluster -> new String[] {model, cluster}));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("presetPairs")
    void everyPresetPairPredicts(String model, String cluster) throws IOException {
        Path file = dir.resolve("pair.yaml");
        Files.writeString(file, """
                name: pair
                model: {preset: %s}
                cluster: {preset: %s}
                training: {globalBatch: 8, microBatch: 1, precision: bf16-mixed}
                plans: [{name: ddp}, {name: zero3, zero: 3}]
                """.formatted(model, cluster));
        CliRunner r = CliRunner.run("predict", file.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode plans = Json.mapper().readTree(r.out()).get("plans");
        assertEquals(2, plans.size());
        // ZeRO-3 never holds more model state than DDP.
        assertTrue(plans.get(1).get("memory").get("paramsBytes").asLong() <= plans.get(0).get("memory").get("paramsBytes").asLong());
    }

    @Test
    void infeasiblePlanIsAResultNotACrash() {
        CliRunner r = CliRunner.run("predict", CONFIGS.resolve("gpt3-on-a100.yaml").toString(), "--set", "plans[0].dp=512");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("ddp  — does not fit: needs 3144.5 GB per GPU but the GPU has 80.0 GB"), r.out());
        // Only a plan with a pipeline names a stage.
        assertTrue(r.out().contains("3d-zb  — does not fit: needs 80.9 GB on pipeline stage 0 but the GPU has 80.0 GB"), r.out());
        assertTrue(r.out().contains("= 3144.46 of 80.0\n"), r.out());
    }

    @Test
    void planWithoutPipelineHasNoSchedule() throws IOException {
        CliRunner r = CliRunner.run("predict", CONFIGS.resolve("gpt3-on-a100.yaml").toString(), "--json");
        JsonNode plans = Json.mapper().readTree(r.out()).get("plans");
        assertEquals("none", plans.get(0).get("schedule").asText());
        assertEquals("1f1b", plans.get(4).get("schedule").asText());
    }

    @Test
    void setOverridesReachPresetKeys() throws IOException {
        Path file = dir.resolve("what-if.yaml");
        Files.writeString(file, """
                name: what-if
                model: {preset: llama2-70b}
                cluster: {preset: dgx-h100, nodes: 4}
                training: {globalBatch: 512, microBatch: 1, precision: bf16-mixed}
                plans: [{name: fsdp, zero: 3}, {name: tp8, tp: 8}]
                """);
        CliRunner r = CliRunner.run("predict", file.toString(), "--json", "--set", "cluster.nodes=16",
                "--set", "plans[1].tp=4", "--set", "cluster.tiers[1].name=roce");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode plans = Json.mapper().readTree(r.out()).get("plans");
        assertEquals(128, plans.get(0).get("world").asInt());   // dp left out of the YAML fills the cluster
        assertEquals(32, plans.get(1).get("dp").asInt());
        assertTrue(plans.get(0).get("comm").get("byTier").get("roce").asLong() > 0);
    }

    @Test
    void jsonIsReproducible() {
        String path = CONFIGS.resolve("gpt3-on-a100.yaml").toString();
        assertEquals(CliRunner.run("predict", path, "--json").out(), CliRunner.run("predict", path, "--json").out());
    }

    @Test
    void validatePrintsEveryRowAndTheErrors() {
        CliRunner r = CliRunner.run("validate");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("462B"));
        assertTrue(r.out().contains("held out: A100, Narayanan et al. 2021 Table 1, not used for calibration"));
        assertTrue(r.out().contains("1008.0B"));
        assertTrue(r.out().contains("MosaicML llm-foundry FSDP benchmarks on H100 80GB"));
        assertTrue(r.out().contains("MosaicML llm-foundry FSDP benchmarks on A100 40/80GB"));
        assertTrue(r.out().contains("held out: A100, Narayanan et al. 2021 Table 2 / Figure 10 (§5.2)"));
        assertTrue(r.out().contains("175B    1536  1536         79.1         19.4        3.20x        4.07x"), r.out());
        assertTrue(r.out().contains("530B     640   560        215.2        209.4        1.24x        1.03x"), r.out());
        assertEquals(5, r.out().split("mean absolute error", -1).length - 1);
        // Per regime: long sequence on both GPU types, fp8 on H100 only.
        assertEquals(2, r.out().split("long sequence \\(>= 16K\\)", -1).length - 1);
        assertEquals(1, r.out().split("  fp8 ", -1).length - 1);
    }

    @Test
    void noVerbPrintsUsageAndExitsTwo() {
        CliRunner r = CliRunner.run();
        assertEquals(Main.SPEC_ERROR, r.exitCode());
        assertTrue(r.err().startsWith("Usage: sim"), r.err());
        assertTrue(r.out().isEmpty(), r.out());
    }

    @Test
    void predictOnASweepFileNamesSweep() {
        CliRunner r = CliRunner.run("predict", Path.of("..", "configs", "sweeps", "gpt3-1024-a100.yaml").toString());
        assertEquals(Main.SPEC_ERROR, r.exitCode());
        assertEquals("axes: belongs to a sweep: this file is a sweep, run it with `sim sweep FILE`, found "
                + "\"tp, pp, cp, zero, schedule, chunks, microBatch, recompute, sequenceParallel\"", r.err().strip());
    }

    @Test
    void helpAndVersion() {
        CliRunner help = CliRunner.run("--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("predict"));
        assertFalse(CliRunner.run("--version").out().isBlank());
    }
}

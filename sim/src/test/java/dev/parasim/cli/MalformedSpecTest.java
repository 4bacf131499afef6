package dev.parasim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every malformed input: one line naming path, rule and value on stderr, exit 2, nothing on stdout or disk. */
class MalformedSpecTest {
    static final String BASE = """
            name: base
            model: {preset: gpt3-175b}
            cluster: {preset: dgx-a100-80g, nodes: 64}
            training: {globalBatch: 1536, microBatch: 1, precision: bf16-mixed, recompute: selective}
            plans:
              - {name: ddp, dp: 512}
              - {name: zero3, dp: 512, zero: 3}
              - {name: 3d, dp: 8, tp: 8, pp: 8, schedule: interleaved, chunks: 2, sequenceParallel: true}
            """;

    @TempDir
    Path dir;

    static Stream<Arguments> overrides() {
        return Stream.of(
                Arguments.of("plans[2].tp=7", "plans[2].tp: must divide model.heads (96), found 7"),
                Arguments.of("plans[0].dp=256", "plans[0]: dp·tp·pp·cp must equal the cluster's GPU count (512), found \"256·1·1·1 = 256\""),
                Arguments.of("cluster.nodes=0", "cluster.nodes: must be positive, found 0"),
                // Every bad plan gets its line (issue 15): plans[0] and [1] share dp 512, plans[2] is interleaved.
                Arguments.of("training.globalBatch=1000", """
                        training.globalBatch: must be divisible by microBatch·dp (512) of plans[0], found 1000
                        training.globalBatch: must be divisible by microBatch·dp (512) of plans[1], found 1000
                        plans[2].schedule: interleaved needs micro-batches per step (125) to be a multiple of pp (8), found "interleaved\""""),
                Arguments.of("plans[1].zero=4", "plans[1].zero: must be in 0..3, found 4"),
                Arguments.of("training.precision=fp16", "training.precision: must be one of fp32|bf16-mixed|fp8-mixed, found \"fp16\""),
                Arguments.of("training.recompute=some", "training.recompute: must be one of none|selective|selective-ops|full, found \"some\""),
                Arguments.of("model.moe={experts: 8, topK: 9}", "model.moe.topK: must not exceed moe.experts (8), found 9"),
                Arguments.of("model.moe={experts: 8}", "model.moe.topK: is required, found nothing"),
                Arguments.of("training.crossEntropy=fused", "training.crossEntropy: must be one of in-place|out-of-place, found \"fused\""),
                Arguments.of("training.zeroGathers=layers", "training.zeroGathers: must be one of units|tensors, found \"layers\""),
                Arguments.of("plans[2].schedule=pipedream", "plans[2].schedule: must be one of gpipe|1f1b|interleaved|zb-h1, found \"pipedream\""),
                Arguments.of("plans[2].schedule=1f1b", "plans[2].chunks: may exceed 1 only with schedule interleaved, found 2"),
                Arguments.of("training.globalBatch=1544", """
                        training.globalBatch: must be divisible by microBatch·dp (512) of plans[0], found 1544
                        training.globalBatch: must be divisible by microBatch·dp (512) of plans[1], found 1544
                        plans[2].schedule: interleaved needs micro-batches per step (193) to be a multiple of pp (8), found "interleaved\""""),
                Arguments.of("plans[2].chunks=13", "plans[2].chunks: pp·chunks must not exceed model.layers (96), found 104"),
                Arguments.of("model.layers=abc", "model.layers: must be an integer, found \"abc\""),
                Arguments.of("model.hiden=5", "model.hiden: is not a known key here, found \"hiden\""),
                Arguments.of("model.preset=gpt5", "model.preset: must be one of " + String.join("|",
                        dev.parasim.spec.load.Presets.names(dev.parasim.spec.load.Presets.Kind.MODELS)) + ", found \"gpt5\""),
                Arguments.of("cluster.tiers[0].scope=rack", "cluster.tiers[0].scope: must be one of node|cluster, found \"rack\""),
                Arguments.of("cluster.tiers[1].efficiency=1.5", "cluster.tiers[1].efficiency: must be in (0, 1], found 1.5"),
                Arguments.of("plans[1].name=ddp", "plans[1].name: must be unique, found \"ddp\""),
                Arguments.of("plans[0].sequenceParallel=true", "plans[0].sequenceParallel: needs tp > 1, found true"),
                Arguments.of("model.hidden=12290", "model.heads: must divide hidden (12290), found 96"),
                Arguments.of("plans[5].tp=4", "--set plans[5].tp: index must be below 3, found 5"),
                Arguments.of("training.microBatch=-2", "training.microBatch: must be positive, found -2"),
                Arguments.of("cluster.gpu.peakTflops.bf16=0", "cluster.gpu.peakTflops.bf16: must be a positive number, found 0.0"),
                Arguments.of("plans[0]=5", "plans[0]: must be a mapping, found 5"),
                Arguments.of("training.tpCommOverlap=yes please", "training.tpCommOverlap: must be true or false, found \"yes please\""));
    }

    @ParameterizedTest(name = "--set {0}")
    @MethodSource("overrides")
    void rejectsOverride(String override, String message) throws IOException {
        Path file = write(BASE);
        assertRejected(message, "predict", file.toString(), "--set", override, "--json");
    }

    static Stream<Arguments> documents() {
        return Stream.of(
                Arguments.of(BASE + "color: blue\n", "color: is not a known key here, found \"color\""),
                Arguments.of(BASE.replace("name: base\n", ""), "name: is required, found nothing"),
                Arguments.of(BASE.replace("training: {globalBatch: 1536, microBatch: 1, precision: bf16-mixed, recompute: selective}\n", ""),
                        "training: is required, found nothing"),
                Arguments.of(BASE.substring(0, BASE.indexOf("plans:")) + "plans: []\n", "plans: must not be empty, found a list of 0"),
                Arguments.of("name: x\nmodel: [1, 2\n", "experiment.yaml: must be valid YAML (line 3), found \"expected ',' or ']', but got <stream end>\""),
                Arguments.of(BASE.replace("name: base", "name: base\nname: again"), "experiment.yaml: must be valid YAML (line 2), found \"found duplicate key name\""),
                Arguments.of(BASE.replace("{preset: gpt3-175b}", "{preset: gpt3-175b, kvHeads: 12}"),
                        "plans[2].tp: must divide model.kvHeads (12) or be a multiple of it, found 8"),
                Arguments.of("""
                        name: interleaved
                        model: {preset: gpt3-175b}
                        cluster: {preset: dgx-a100-80g, nodes: 8}
                        training: {globalBatch: 12, microBatch: 1, precision: bf16-mixed}
                        plans: [{name: i, dp: 1, tp: 8, pp: 8, schedule: interleaved, chunks: 2}]
                        """, "plans[0].schedule: interleaved needs micro-batches per step (12) to be a multiple of pp (8), found \"interleaved\""),
                Arguments.of("""
                        name: short
                        model: {preset: gpt3-175b}
                        cluster: {preset: dgx-a100-80g, nodes: 8}
                        training: {globalBatch: 4, microBatch: 1, precision: bf16-mixed}
                        plans: [{name: s, dp: 1, tp: 8, pp: 8}]
                        """, "plans[0].schedule: 1f1b needs at least pp (8) micro-batches per step, found 4"),
                // Uneven pipeline stages: an explicit split has one entry per virtual stage, each ≥ 1, summing to the layers.
                Arguments.of(BASE.replace("chunks: 2,", "chunks: 2, stageLayers: [6, 6, 6],"),
                        "plans[2].stageLayers: must have one entry per virtual stage (pp·chunks = 16), found a list of 3"),
                Arguments.of(BASE.replace("{name: 3d, dp: 8, tp: 8, pp: 8, schedule: interleaved, chunks: 2,",
                                "{name: 3d, dp: 8, tp: 8, pp: 8, schedule: interleaved, chunks: 2, stageLayers: [0, 7, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7],"),
                        "plans[2].stageLayers[0]: must be at least 1, found 0"),
                Arguments.of(BASE.replace("{name: 3d, dp: 8, tp: 8, pp: 8, schedule: interleaved, chunks: 2,",
                                "{name: 3d, dp: 8, tp: 8, pp: 8, schedule: interleaved, chunks: 2, stageLayers: [5, 7, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5],"),
                        "plans[2].stageLayers: must sum to model.layers (96), found 95"),
                Arguments.of(BASE.replace("chunks: 2,", "chunks: 2, stageLayers: [6, x],"),
                        "plans[2].stageLayers[1]: must be an integer, found \"x\""),
                Arguments.of(BASE.replace("{name: ddp, dp: 512}", "{name: ddp, dp: 512, stageLayers: [95]}")
                                .replace("{name: zero3, dp: 512, zero: 3}", "{name: zero3, dp: 512, zero: 3, stageLayers: 96}"),
                        "plans[0].stageLayers: must sum to model.layers (96), found 95\n"
                                + "plans[1].stageLayers: must be a list, found 96"),
                Arguments.of(BASE + "execute: {steps: 3, seed: 1, fp64: true}\n",
                        "execute.fp64: needs training.precision fp32 (precision is bf16-mixed), found true"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("documents")
    void rejectsDocument(String yaml, String message) throws IOException {
        Path file = write(yaml);
        String expected = message.replace("experiment.yaml", file.toString());
        assertRejected(expected, "predict", file.toString());
    }

    @Test
    void missingFileIsASpecError() {
        Path missing = dir.resolve("nope.yaml");
        assertRejected(missing + ": must be an existing file, found \"no such file\"", "predict", missing.toString());
    }

    void assertRejected(String message, String... args) {
        List<Path> before = listing();
        CliRunner r = CliRunner.run(args);
        assertEquals(message + System.lineSeparator(), r.err());
        assertEquals(2, r.exitCode());
        assertEquals("", r.out());
        assertEquals(before, listing(), "nothing may be written");
    }

    Path write(String yaml) throws IOException {
        Path file = dir.resolve("experiment.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    List<Path> listing() {
        try (Stream<Path> files = Files.walk(dir)) {
            return new ArrayList<>(files.sorted().toList());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.parasim.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.output.Json;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.load.SpecLoader;
import dev.parasim.timeline.Timeline;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report of the shipped GPT-3 experiment: every file, the right content, atomic on failure, reproducible. */
class ReportWriterTest {
    static final Path GPT3 = Path.of("..", "configs", "experiments", "gpt3-on-a100.yaml");
    static final Clock FIXED = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);
    static final List<String> CHARTS = List.of("memory", "comm-by-collective", "comm-by-tier", "step-time", "bubble",
            "collective-time", "collective-busbw", "mfu-vs-tp");

    static Experiment experiment;
    static List<PlanPrediction> predictions;

    @TempDir
    Path out;

    @BeforeAll
    static void predict() {
        experiment = SpecLoader.load(GPT3, List.of());
        predictions = Accountant.predict(experiment);
    }

    static ReportWriter.Input input() {
        Map<String, Object> executed = Map.of("bytesPerGpu", predictions.get(4).comm().bytesPerGpu() + 1024,
                "memory", Map.of("peakBytes", predictions.get(4).memory().peakBytes()));
        Timeline gantt = TimelineFixtures.oneFOneB("tp8-pp8-1f1b", 4, 8, 0.5, 1.0, 0.02, 0.4);
        return new ReportWriter.Input(experiment, predictions, Map.of("tp8-pp8-1f1b", gantt),
                Map.of("tp8-pp8-1f1b", executed), Map.of("tp8-pp8-1f1b", "{\"traceEvents\": []}\n"));
    }

    static Path write(Path dir, ReportWriter.Input in) throws IOException {
        return new ReportWriter(FIXED, null).write(dir, in);
    }

    @Test
    void writesEveryExpectedFile() throws IOException {
        StringWriter progress = new StringWriter();
        Path report = new ReportWriter(FIXED, new PrintWriter(progress)).write(out, input());
        assertEquals(out.resolve("gpt3-on-a100"), report);
        List<String> expected = new ArrayList<>(List.of("results.json", "results.csv", "report.md", "report.html",
                "traces/tp8-pp8-1f1b.json", "charts/gantt-tp8-pp8-1f1b.png", "charts/gantt-tp8-pp8-1f1b.svg"));
        for (String c : CHARTS) {
            expected.add("charts/" + c + ".png");
            expected.add("charts/" + c + ".svg");
        }
        for (String f : expected) assertTrue(Files.size(report.resolve(f)) > 0, f);
        assertEquals(expected.size(), files(report).size(), "unexpected files: " + files(report));
        // The output directory holds the report and nothing else (no temporary leftovers).
        try (Stream<Path> entries = Files.list(out)) {
            assertEquals(List.of(report), entries.toList());
        }
        // Progress without a terminal: a plain line at each quarter of the files, then one summary line.
        List<String> progressLines = progress.toString().lines().toList();
        int n = expected.size();
        assertEquals(5, progressLines.size(), progress.toString());
        assertTrue(progressLines.get(0).startsWith("[report] gpt3-on-a100: files " + (n + 3) / 4 + "/" + n + " ("), progressLines.get(0));
        assertTrue(progressLines.get(3).startsWith("[report] gpt3-on-a100: files " + n + "/" + n + " ("), progressLines.get(3));
        assertTrue(progressLines.get(4).matches("\\[report] gpt3-on-a100: " + n + " files \\(" + (CHARTS.size() + 1)
                + " charts as PNG \\+ SVG, 1 traces\\) in \\d+\\.\\d s"), progressLines.get(4));
        assertTrue(progress.toString().chars().noneMatch(c -> c == '\r' || c == 27), "no carriage returns or ANSI codes");
    }

    @Test
    void csvHasOneRowPerPlanInStableColumns() throws IOException {
        Path report = write(out, ReportWriter.Input.of(experiment, predictions));
        assertFalse(Files.exists(report.resolve("traces")), "traces/ is written only when traces are given");
        List<String> lines = Files.readAllLines(report.resolve("results.csv"));
        assertEquals(1 + predictions.size(), lines.size());
        List<String> header = List.of(lines.get(0).split(","));
        assertEquals("name", header.get(0));
        assertTrue(header.containsAll(List.of("memory.peakBytes", "memory.fits", "memory.reason", "comm.bytesPerGpu",
                "comm.byCollective.allReduce", "comm.byTier.nvlink3", "time.stepSeconds", "mfu", "tokensPerSecond")), header.toString());
        for (int i = 0; i < predictions.size(); i++) {
            String row = lines.get(i + 1);
            assertTrue(row.startsWith(predictions.get(i).plan().name() + ","), row);
            int peak = header.indexOf("memory.peakBytes");
            assertEquals(predictions.get(i).memory().peakBytes(), Long.parseLong(row.split(",")[peak]));
        }
    }

    @Test
    void jsonMatchesPredictJson() throws IOException {
        Path report = write(out, input());
        JsonNode results = Json.mapper().readTree(report.resolve("results.json").toFile());
        JsonNode predict = Json.mapper().readTree(Json.write(PredictionJson.document(experiment, predictions)));
        for (String field : List.of("experiment", "model", "cluster")) assertEquals(predict.get(field), results.get(field), field);
        assertEquals(predict.get("plans").size(), results.get("plans").size());
        for (int i = 0; i < predictions.size(); i++) {
            ObjectNode plan = (ObjectNode) results.get("plans").get(i).deepCopy();
            boolean extra = plan.has("timeline");
            plan.remove(List.of("timeline", "executed"));
            assertEquals(predict.get("plans").get(i), plan, "plan " + i);
            assertEquals(predictions.get(i).plan().name().equals("tp8-pp8-1f1b"), extra);
        }
        JsonNode prov = results.get("provenance");
        assertEquals("2026-01-02T03:04:05Z", prov.get("date").asText());
        assertEquals(ExperimentJson.sha256(experiment), prov.get("specSha256").asText());
        assertEquals(64, prov.get("specSha256").asText().length());
        assertEquals("gpt3-175b", prov.get("spec").get("model").get("name").asText());
        JsonNode executed = results.get("plans").get(4).get("executed");
        assertEquals(predictions.get(4).comm().bytesPerGpu() + 1024, executed.get("bytesPerGpu").asLong());
    }

    @Test
    void reportNamesWinnerInfeasiblePlansFormulasAndProvenance() throws IOException {
        Path report = write(out, input());
        String md = Files.readString(report.resolve("report.md"));
        PlanPrediction winner = predictions.stream().filter(PlanPrediction::fits)
                .min((a, b) -> Double.compare(a.time().stepSeconds(), b.time().stepSeconds())).orElseThrow();
        assertTrue(md.contains("**Winner: " + winner.plan().name() + ".**"), md);
        List<PlanPrediction> infeasible = predictions.stream().filter(p -> !p.fits()).toList();
        assertFalse(infeasible.isEmpty());
        for (PlanPrediction p : infeasible) assertTrue(md.contains("- " + p.plan().name() + ": " + p.memory().reason()), p.plan().name());
        for (String cited : List.of("ZeRO, Rajbhandari et al. 2020", "Narayanan et al. 2021", "NCCL nccl-tests doc/PERFORMANCE.md",
                "Korthikanti et al. 2022", "Qi et al. 2024", "16Ψ/n", "(p−1)/(v·m)", "2(n−1)/n·S"))
            assertTrue(md.contains(cited), cited);
        assertTrue(md.contains(ExperimentJson.sha256(experiment)));
        assertTrue(md.contains("2026-01-02T03:04:05Z"));
        // Executed against predicted: the extra KiB shows as the difference.
        assertTrue(md.contains("| comm.bytesPerGpu | " + (predictions.get(4).comm().bytesPerGpu() + 1024)), md);
        assertTrue(md.contains("| +1024 |"), md);
        // Every comparison has a verdict: the extra KiB fails, the equal peak passes, and the heading counts them.
        assertTrue(md.contains("| comm.bytesPerGpu | " + (predictions.get(4).comm().bytesPerGpu() + 1024)
                + " | " + predictions.get(4).comm().bytesPerGpu() + " | +1024 | "), md);
        assertTrue(md.contains("% | FAIL |"), md);
        assertTrue(md.contains("| memory.peakBytes | " + predictions.get(4).memory().peakBytes() + " | "
                + predictions.get(4).memory().peakBytes() + " | 0 | +0.000% | pass |"), md);
        assertTrue(md.contains("### tp8-pp8-1f1b — 1 of 2 checks pass"), md);
        String html = Files.readString(report.resolve("report.html"));
        assertTrue(html.contains("<img src=\"charts/memory.svg\""));
        assertFalse(html.contains("http://") || html.contains("https://"), "the page must not fetch anything");
    }

    @Test
    void failureMidwayLeavesNoOutput() throws IOException {
        ReportWriter failing = new ReportWriter(FIXED, null).withHook(path -> {
            if (path.equals("charts/step-time.svg")) throw new IOException("disk full (injected)");
        });
        IOException e = assertThrows(IOException.class, () -> failing.write(out, input()));
        assertEquals("disk full (injected)", e.getMessage());
        assertEquals(List.of(), list(out));
    }

    @Test
    void failureKeepsTheOlderReportAndSuccessReplacesIt() throws IOException {
        Path first = write(out, ReportWriter.Input.of(experiment, predictions));
        byte[] before = Files.readAllBytes(first.resolve("report.md"));
        ReportWriter failing = new ReportWriter(FIXED, null).withHook(path -> {
            if (path.equals("report.html")) throw new IllegalStateException("injected");
        });
        assertThrows(IllegalStateException.class, () -> failing.write(out, input()));
        assertEquals(List.of(first), list(out));
        assertArrayEquals(before, Files.readAllBytes(first.resolve("report.md")));
        assertFalse(Files.exists(first.resolve("traces")));

        Path second = write(out, input());
        assertEquals(List.of(second), list(out));
        assertTrue(Files.exists(second.resolve("traces/tp8-pp8-1f1b.json")));
    }

    @Test
    void sameInputsAndDateGiveIdenticalBytes() throws IOException {
        Path a = write(out.resolve("a"), input());
        Path b = write(out.resolve("b"), input());
        List<Path> files = files(a);
        assertEquals(files, files(b));
        for (Path f : files) assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f.toString());
    }

    @Test
    void smallAndSingleGpuClustersReportToo() throws IOException {
        Experiment cpu = dev.parasim.Fixtures.experiment("""
                name: tiny-on-cpu
                model: {preset: tiny-gpt}
                cluster: {preset: cpu-8}
                training: {globalBatch: 8, microBatch: 1, precision: fp32}
                plans:
                  - {name: ddp}
                  - {name: pp2-gpipe, dp: 2, tp: 2, pp: 2, schedule: gpipe}
                  - {name: pp2-zb, dp: 4, pp: 2, schedule: zb-h1}
                """);
        Path report = write(out, ReportWriter.Input.predict(cpu, true));
        assertEquals(out.resolve("tiny-on-cpu"), report);
        assertTrue(Files.exists(report.resolve("charts/gantt-pp2-gpipe.svg")));
        assertTrue(Files.exists(report.resolve("charts/collective-busbw.png")));
        assertTrue(Files.readString(report.resolve("report.md")).contains("Qi et al. 2024"));

        Experiment one = dev.parasim.Fixtures.experiment("""
                name: one-gpu
                model: {preset: tiny-gpt}
                cluster:
                  name: laptop
                  gpu: {name: g, memoryGB: 8, peakTflops: {fp32: 10, bf16: 20}, hbmGBps: 300}
                  gpusPerNode: 1
                  nodes: 1
                  tiers: [{name: pcie, scope: node, bandwidthGBps: 16, latencyUs: 5, efficiency: 0.8}]
                training: {globalBatch: 4, microBatch: 1, precision: bf16-mixed}
                plans: [{name: single}]
                """);
        Path single = write(out, ReportWriter.Input.predict(one, true));
        assertFalse(Files.exists(single.resolve("charts/collective-time.svg")));
        assertTrue(Files.readString(single.resolve("report.md")).contains("**Winner: single.**"));
    }

    static List<Path> files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        }
    }

    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.sorted().toList();
        }
    }
}

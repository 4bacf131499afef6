package dev.parasim.sweep;

import dev.parasim.SparkTestSession;
import dev.parasim.spec.SweepSpec;
import dev.parasim.spec.load.SweepLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.parasim.sweep.SweepAnswersTest.assertTable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The streamed sweep (answers folded per task, merged on the driver, no rows kept) against the kept rows' answers on
 * the bundled sweep (GPT-3 175B on 1,024 A100s, 37,152 candidates), and the bundled million-candidate sweep's size.
 */
class SweepSummaryTest {
    static String yaml;
    static SweepJob.Outcome kept;
    static SweepJob.Outcome streamed;

    @BeforeAll
    static void run() throws Exception {
        yaml = resource("/sweeps/gpt3-1024-a100.yaml");
        PrintWriter quiet = new PrintWriter(new StringWriter());
        kept = SweepJob.run(SparkTestSession.get().sparkContext(), yaml, List.of(), quiet, false, true);
        streamed = SweepJob.stream(SparkTestSession.get().sparkContext(), SweepJob.Prepared.of(yaml, List.of()), quiet, false);
    }

    @AfterAll
    static void release() {
        kept.release();
        streamed.release();
    }

    static String resource(String name) throws Exception {
        try (InputStream in = SweepSummaryTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static void assertTables(SweepOutput.Tables expected, SweepOutput.Tables actual) {
        assertTable("status", expected.status(), actual.status());
        assertTable("best", expected.best(), actual.best());
        assertTable("pareto", expected.pareto(), actual.pareto());
        assertTable("top", expected.top(), actual.top());
        assertTable("heatmap", expected.heatmap(), actual.heatmap());
        assertTable("rejected", expected.rejected(), actual.rejected());
        assertArrayEquals(expected.columns(), actual.columns());
    }

    @Test
    void streamedAnswersEqualTheKeptRowsAnswers() {
        assertTrue(streamed.streamed());
        assertFalse(streamed.onDriver());
        assertThrows(IllegalStateException.class, streamed::results, "a streamed sweep keeps no rows");
        SweepOutput.Tables byRows = SweepOutput.Tables.of(kept), bySummary = SweepOutput.Tables.of(streamed);
        assertEquals("6401 fit, 10663 do not, 20088 invalid", bySummary.count(SweepResult.OK) + " fit, "
                + bySummary.count(SweepResult.OOM) + " do not, " + bySummary.count(SweepResult.INVALID) + " invalid");
        assertEquals(37_152, streamed.summary().candidates());
        assertEquals(10, bySummary.top().size());
        assertTables(byRows, bySummary);
        assertTrue(streamed.tasks() > kept.tasks(), "streamed sweeps use more, smaller tasks: " + streamed.tasks());
    }

    @Test
    void foldingDoesNotDependOnHowPlansAreSplitOrMerged() throws Exception {
        SweepSpec spec = SweepLoader.parse(SweepJobTest.SWEEP, List.of());
        PlanEvaluator evaluator = new PlanEvaluator(spec);
        List<SweepResult> all = new ArrayList<>();
        List<SweepSummary> perSeed = new ArrayList<>();
        for (PlanSpace.Seed seed : PlanSpace.seeds(spec)) {
            SweepSummary one = new SweepSummary(5);
            evaluator.evaluate(seed, r -> {
                all.add(r);
                one.add(r);
            });
            perSeed.add(roundTrip(one));   // as a task's result travels: serialized
        }
        SweepSummary folded = new SweepSummary(5);
        all.forEach(folded::add);
        SweepSummary mergedBackwards = new SweepSummary(5);
        for (int i = perSeed.size() - 1; i >= 0; i--) mergedBackwards.merge(perSeed.get(i));
        SweepOutput.Tables byRows = SweepAnswers.of(all.stream().map(SweepRows::row).toList(), 5);
        assertTables(byRows, folded.tables());
        assertTables(byRows, mergedBackwards.tables());
        assertTrue(byRows.pareto().size() > 2, "a front of several plans: " + byRows.pareto().size());
        assertEquals(PlanSpace.distinct(spec), mergedBackwards.candidates());
    }

    static SweepSummary roundTrip(SweepSummary summary) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(summary);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (SweepSummary) in.readObject();
        }
    }

    @Test
    void streamedOutputsAreTheKeptOnesButPlansCsvHoldsTheFastestPerGpuCount(@TempDir Path dir) throws Exception {
        Instant date = Instant.parse("2026-01-01T00:00:00Z");
        Path byRows = SweepOutput.write(dir.resolve("kept"), kept, yaml, date, false);
        Path bySummary = SweepOutput.write(dir.resolve("streamed"), streamed, yaml, date, false);
        for (String file : List.of("best.csv", "pareto.csv", "top.csv", "heatmap.csv", "rejected.csv", "sweep.yaml",
                "charts/heatmap-1024.svg", "charts/pareto-1024.svg", "charts/pareto-1024.png"))
            assertArrayEquals(Files.readAllBytes(byRows.resolve(file)), Files.readAllBytes(bySummary.resolve(file)), file);
        // plans.csv: the 1,000 fastest of the 6,401 plans that fit (by step time, then name), ordered as the full table.
        List<String> all = Files.readAllLines(byRows.resolve("plans.csv")), fastest = Files.readAllLines(bySummary.resolve("plans.csv"));
        assertEquals(all.get(0), fastest.get(0));
        assertEquals(1 + SweepSummary.PLANS_PER_GPU_COUNT, fastest.size());
        List<String> expected = new ArrayList<>(List.of(all.get(0)));
        PlanRows.sorted(SweepAnswers.fastest(kept.kept(), 1024, SweepSummary.PLANS_PER_GPU_COUNT)).forEach(r -> expected.add(csv(r)));
        assertEquals(expected, fastest);
        String report = Files.readString(bySummary.resolve("report.md"));
        assertTrue(report.contains("`plans.csv` holds the fastest 1000 plans that fit per GPU count"), report);
        assertEquals(Files.readString(byRows.resolve("report.md")), report.replaceFirst("The sweep streamed [^\n]*\n\n", ""));
        assertNull(streamed.evaluated());
    }

    @Test
    void aStreamedSweepsExecutorsWriteEveryPlanAsParquetInTheSameJob(@TempDir Path dir) {
        Path parquet = dir.resolve("plans.parquet");
        SweepJob.Outcome written = SweepJob.stream(SparkTestSession.get().sparkContext(), SweepJob.Prepared.of(SweepJobTest.SWEEP, List.of()),
                new PrintWriter(new StringWriter()), false, parquet);
        List<org.apache.spark.sql.Row> plain = new ArrayList<>();
        SweepSpec spec = SweepLoader.parse(SweepJobTest.SWEEP, List.of());
        PlanEvaluator evaluator = new PlanEvaluator(spec);
        for (PlanSpace.Seed seed : PlanSpace.seeds(spec)) evaluator.evaluate(seed, r -> plain.add(SweepRows.row(r)));
        assertTables(SweepAnswers.of(plain, 5), SweepOutput.Tables.of(written));
        List<org.apache.spark.sql.Row> rows = SparkTestSession.get().read().parquet(parquet.toString()).orderBy("gpus", "plan").collectAsList();
        assertEquals(written.summary().tables().count(SweepResult.OK) + written.summary().tables().count(SweepResult.OOM), rows.size());
        assertEquals(SweepAnswersTest.values(PlanRows.sorted(plain)), SweepAnswersTest.values(rows));
    }

    static String csv(org.apache.spark.sql.Row row) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < row.length(); i++) {
            if (i > 0) b.append(',');
            Object v = row.get(i);
            b.append(v instanceof String s ? PlanRows.text(s) : String.valueOf(v));
        }
        return b.toString();
    }

    @Test
    void theBundledMillionSweepHasOverAMillionCandidates() throws Exception {
        String million = resource("/sweeps/llama3-405b-16k-h100.yaml");
        SweepSpec spec = SweepLoader.parse(million, List.of());
        long candidates = PlanSpace.distinct(spec);
        assertEquals(1_103_760, candidates);
        assertTrue(candidates > SweepJob.DRIVER_CANDIDATES, "it streams");
        assertEquals(1800, PlanSpace.seeds(spec).size());
        assertEquals(3_456_000, Math.round(spec.gpus().size() * spec.axes().size()));
        assertTrue(million.contains("1,103,760 distinct candidates"), "the header states the count");
        Path config = Path.of("../configs/sweeps/llama3-405b-16k-h100.yaml");
        if (Files.exists(config)) assertEquals(Files.readString(config), million, "configs/sweeps and the bundled resource agree");
    }
}

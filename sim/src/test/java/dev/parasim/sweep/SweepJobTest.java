package dev.parasim.sweep;

import dev.parasim.SparkTestSession;
import dev.parasim.spec.load.SweepLoader;
import dev.parasim.spec.SweepSpec;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Spark sweep against a plain loop over the same evaluator: same plans, same answers. */
class SweepJobTest {
    static final String SWEEP = """
            name: llama-small
            model: {preset: llama2-7b}
            cluster: {preset: dgx-h100}
            gpus: [8, 16]
            training: {globalBatch: 64, precision: bf16-mixed}
            axes:
              tp: [1, 2, 4, 8, 16]
              pp: [1, 2, 4]
              zero: [0, 1, 3]
              schedule: [1f1b, interleaved, zb-h1]
              chunks: [2, 4]
              microBatch: [1, 2]
              recompute: [none, selective]
              sequenceParallel: [false, true]
            constraints: {topK: 5, tokenBudget: 1e12}
            """;

    static SweepJob.Outcome outcome;
    static List<SweepResult> plain = new ArrayList<>();
    static StringWriter progress = new StringWriter();

    @BeforeAll
    static void run() {
        outcome = SweepJob.run(SparkTestSession.get().sparkContext(), SWEEP, List.of(), new PrintWriter(progress, true));
        SweepSpec spec = SweepLoader.parse(SWEEP, List.of());
        PlanEvaluator evaluator = new PlanEvaluator(spec);
        for (PlanSpace.Seed seed : PlanSpace.seeds(spec)) evaluator.evaluate(seed, plain::add);
    }

    @Test
    void everyCandidateIsCountedOnce() {
        SweepSpec spec = SweepLoader.parse(SWEEP, List.of());
        long distinct = PlanSpace.distinct(spec);
        long counted = outcome.results().collectAsList().stream().mapToLong(r -> r.getLong(r.fieldIndex("count"))).sum();
        assertEquals(distinct, counted);
        assertEquals(plain.stream().mapToLong(SweepResult::count).sum(), counted);
        // Plain progress (no terminal): plan groups evaluated at each quarter, then one summary line.
        List<String> lines = progress.toString().lines().toList();
        long groups = PlanSpace.seeds(spec).size();
        assertTrue(lines.get(lines.size() - 1)
                .startsWith("[sweep] " + spec.name() + ": " + groups + " plan groups evaluated in "), progress.toString());
        assertTrue(lines.stream().anyMatch(l -> l.contains("evaluated " + groups + "/" + groups + " (")), progress.toString());
        assertTrue(lines.size() <= 5, progress.toString());
    }

    @Test
    void seedsArePackedIntoTasksOfEvenEstimatedWorkHeaviestFirst() {
        SweepSpec spec = SweepLoader.parse(SWEEP, List.of());
        List<PlanSpace.Seed> seeds = PlanSpace.seeds(spec);
        PlanEvaluator estimator = new PlanEvaluator(spec);
        // tp 16 breaks the within-a-node constraint: nothing to evaluate.
        assertEquals(0, estimator.estimatedCost(new PlanSpace.Seed(16, 16, 1, 1)));
        assertTrue(estimator.estimatedCost(new PlanSpace.Seed(16, 1, 4, 1)) > estimator.estimatedCost(new PlanSpace.Seed(16, 1, 1, 1)));
        SweepJob.Prepared prepared = SweepJob.Prepared.of(SWEEP, List.of());
        assertEquals(seeds, prepared.seeds());
        List<List<PlanSpace.Seed>> tasks = SweepJob.balance(seeds, prepared.costs(), 4);
        assertEquals(tasks, SweepJob.balance(seeds, SweepJob.Prepared.of(SWEEP, List.of()).costs(), 4));
        assertEquals(4, tasks.size());
        assertEquals(new java.util.HashSet<>(seeds), new java.util.HashSet<>(tasks.stream().flatMap(List::stream).toList()));
        assertEquals(seeds.size(), tasks.stream().mapToInt(List::size).sum());
        double[] load = tasks.stream().mapToDouble(t -> t.stream().mapToDouble(estimator::estimatedCost).sum()).toArray();
        double heaviestSeed = seeds.stream().mapToDouble(estimator::estimatedCost).max().orElseThrow();
        for (int t = 1; t < load.length; t++) {
            assertTrue(load[t - 1] >= load[t], "heaviest task first");
            // Greedy packing: no task exceeds the lightest by more than one seed.
            assertTrue(load[0] - load[t] <= heaviestSeed, java.util.Arrays.toString(load));
        }
    }

    @Test
    void sparkRowsEqualThePlainLoop() {
        Map<String, Row> spark = new TreeMap<>();
        for (Row r : outcome.results().filter("status != 'invalid'").collectAsList()) spark.put(r.getAs("gpus") + "/" + r.getAs("plan"), r);
        List<SweepResult> valid = plain.stream().filter(r -> !r.status().equals(SweepResult.INVALID)).toList();
        assertEquals(valid.size(), spark.size());
        for (SweepResult r : valid) {
            Row row = spark.get(r.gpus() + "/" + r.plan());
            assertEquals(SweepRows.row(r), row, r.plan());
        }
    }

    @Test
    void bestPlanPerGpuCountIsTheFastestThatFits() {
        List<Row> best = SweepQueries.best(outcome.results()).collectAsList();
        assertEquals(2, best.size());
        for (Row row : best) {
            int gpus = row.getAs("gpus");
            SweepResult expected = plain.stream().filter(r -> r.gpus() == gpus && r.status().equals(SweepResult.OK))
                    .max(Comparator.comparingDouble(SweepResult::tokensPerSecond).thenComparing(SweepResult::plan, Comparator.reverseOrder()))
                    .orElseThrow();
            assertEquals(expected.plan(), row.getAs("plan"));
        }
    }

    @Test
    void paretoFrontHasNoDominatedPlan() {
        List<Row> front = SweepQueries.pareto(outcome.results()).collectAsList();
        assertFalse(front.isEmpty());
        List<SweepResult> fits = plain.stream().filter(r -> r.status().equals(SweepResult.OK)).toList();
        for (Row row : front) {
            int gpus = row.getAs("gpus");
            long peak = row.getAs("peakBytes");
            double step = row.getAs("stepSeconds");
            assertTrue(fits.stream().noneMatch(r -> r.gpus() == gpus && r.peakBytes() <= peak && r.stepSeconds() < step),
                    row.getAs("plan") + " is dominated");
        }
        // And every non-dominated plan is on it (up to exact ties).
        long nonDominated = fits.stream().filter(a -> fits.stream().noneMatch(b -> b.gpus() == a.gpus()
                && b.peakBytes() <= a.peakBytes() && b.stepSeconds() <= a.stepSeconds()
                && (b.peakBytes() < a.peakBytes() || b.stepSeconds() < a.stepSeconds())))
                .map(r -> r.gpus() + "/" + r.peakBytes() + "/" + r.stepSeconds()).distinct().count();
        assertEquals(nonDominated, front.size());
    }

    @Test
    void topKByMfuAndRejectionsByRule() {
        List<Row> top = SweepQueries.top(outcome.results(), 5).collectAsList();
        assertEquals(5, top.size());
        double best = plain.stream().filter(r -> r.status().equals(SweepResult.OK)).mapToDouble(SweepResult::mfu).max().orElseThrow();
        assertEquals(best, (double) top.get(0).getAs("mfu"));
        Map<String, Long> rejected = new TreeMap<>();
        for (Row r : SweepQueries.rejected(outcome.results()).collectAsList()) rejected.put(r.getString(0), r.getLong(1));
        assertTrue(rejected.containsKey("constraint: tp must stay within a node (8 GPUs)"), rejected.toString());
        // ZeRO-3 composes with pipelines (FSDP with pipeline stages): such plans are evaluated, not rejected.
        assertTrue(plain.stream().anyMatch(r -> r.zero() == 3 && r.pp() > 1 && !r.status().equals(SweepResult.INVALID)),
                "a ZeRO-3 plan with pp > 1 is evaluated");
    }

    @Test
    void outputIsCompleteReproducibleAndAtomic(@TempDir Path dir) throws Exception {
        Instant date = Instant.parse("2026-01-01T00:00:00Z");
        Path first = SweepOutput.write(dir.resolve("a"), outcome, SWEEP, date, true);
        Path second = SweepOutput.write(dir.resolve("b"), outcome, SWEEP, date, false);
        for (String file : List.of("plans.csv", "best.csv", "pareto.csv", "top.csv", "heatmap.csv", "rejected.csv", "report.md"))
            assertEquals(Files.readString(first.resolve(file)), Files.readString(second.resolve(file)), file);
        assertTrue(Files.isDirectory(first.resolve("plans.parquet")));
        assertFalse(Files.exists(second.resolve("plans.parquet")), "Parquet only when asked");
        for (int gpus : new int[] {8, 16})
            for (String chart : List.of("heatmap-" + gpus, "pareto-" + gpus)) {
                var png = javax.imageio.ImageIO.read(first.resolve("charts/" + chart + ".png").toFile());
                assertTrue(png.getWidth() >= 1000, chart);
                assertTrue(Files.readString(first.resolve("charts/" + chart + ".svg")).contains("<svg"), chart);
            }
        assertTrue(Files.readString(first.resolve("report.md")).contains("## Best plan per GPU count"));
        try (var listing = Files.list(dir.resolve("a"))) {
            assertEquals(List.of(first), listing.toList(), "no temporary directory left behind");
        }
        Path blocked = dir.resolve("blocked");
        Files.writeString(blocked, "a file where the output directory should go");
        assertThrows(RuntimeException.class, () -> SweepOutput.write(blocked, outcome, SWEEP, date, true));
        assertEquals("a file where the output directory should go", Files.readString(blocked));
    }

    @Test
    void chartsDrawnInParallelAreTheBytesOfASerialRun(@TempDir Path dir) throws Exception {
        SweepOutput.Tables tables = SweepOutput.Tables.of(outcome);
        SweepCharts.write(dir.resolve("serial"), outcome, tables, 1);
        SweepCharts.write(dir.resolve("parallel"), outcome, tables, 4);
        List<String> names;
        try (var listing = Files.list(dir.resolve("serial"))) {
            names = listing.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(8, names.size(), names.toString());
        try (var listing = Files.list(dir.resolve("parallel"))) {
            assertEquals(names, listing.map(p -> p.getFileName().toString()).sorted().toList());
        }
        for (String name : names)
            org.junit.jupiter.api.Assertions.assertArrayEquals(Files.readAllBytes(dir.resolve("serial").resolve(name)),
                    Files.readAllBytes(dir.resolve("parallel").resolve(name)), name);
    }
}

package dev.parasim.sweep;

import dev.parasim.output.BuildVersion;
import dev.parasim.report.OutputDirectory;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;

/**
 * Writes a sweep's tables to {@code DIR/<sweep name>/}: every evaluated plan as CSV (and as Parquet when asked:
 * {@code sim sweep --parquet}), the answers of {@link SweepQueries} as CSV, the charts and report.md. Everything is
 * written into a temporary sibling and renamed into place at the end ({@link OutputDirectory}), so a failed sweep
 * leaves no half-written output. Parquet is opt-in because writing it is a Spark SQL job: in a cold JVM its
 * planning and code generation took longer than evaluating the bundled sweep, for a table plans.csv already holds.
 */
public final class SweepOutput {
    private SweepOutput() {}

    /** {@return {@code outDir/<sweep name>}, written all or nothing ({@link OutputDirectory}); {@code parquet}: also plans.parquet} */
    public static Path write(Path outDir, SweepJob.Outcome outcome, String sweepYaml, Instant date, boolean parquet) {
        return write(outDir, outcome, Tables.of(outcome), sweepYaml, date, parquet, new PhaseTimes());
    }

    /**
     * Writes the sweep with its answers already computed, all or nothing ({@link OutputDirectory}), timing each kind
     * of output in {@code times}; {@code parquet}: also every plan as plans.parquet (a Spark SQL write).
     */
    public static Path write(Path outDir, SweepJob.Outcome outcome, Tables tables, String sweepYaml, Instant date,
                             boolean parquet, PhaseTimes times) {
        return write(outDir, outcome, tables, sweepYaml, date, parquet, times, null);
    }

    /**
     * As above; a streamed sweep's every-plan Parquet is written by its own job ({@link SweepJob#stream} with a path),
     * and {@code streamedParquet} (that path) is moved into the output as plans.parquet.
     */
    public static Path write(Path outDir, SweepJob.Outcome outcome, Tables tables, String sweepYaml, Instant date,
                             boolean parquet, PhaseTimes times, Path streamedParquet) {
        if (parquet && outcome.streamed() && streamedParquet == null)
            throw new IllegalArgumentException("a streamed sweep's plans.parquet is written by its job (SweepJob.stream with a path)");
        try {
            return OutputDirectory.write(outDir, outcome.spec().name(), tmp -> {
                CompletableFuture<Void> background = CompletableFuture.completedFuture(null);
                // Rows on the driver or a summary: the charts need no Spark job, so they are drawn while the CSVs are written.
                CompletableFuture<Void> charts = outcome.onDriver() || outcome.streamed()
                        ? CompletableFuture.runAsync(() -> charts(tmp, outcome, tables), runnable -> new Thread(runnable, "sweep-charts-start").start())
                        : null;
                try {
                    if (outcome.streamed()) {
                        // A streamed sweep kept no rows: plans.csv holds the fastest plans that fit per GPU count
                        // (SweepSummary.PLANS_PER_GPU_COUNT), written here from the summary; every plan is in
                        // plans.parquet when asked, written by the executors in the evaluating job.
                        if (parquet) Files.move(streamedParquet, tmp.resolve("plans.parquet"));
                        PlanRows.writeCsv(tmp.resolve("plans.csv"), outcome.summary().plans());
                    } else if (outcome.onDriver()) {
                        // Small sweeps: the sorted rows once, the CSV written here (no Spark job); when asked, one local
                        // Parquet part written by Spark on its own thread (its cold start overlaps the CSVs and charts).
                        List<Row> plans = PlanRows.sorted(outcome.kept());
                        Path parquetDir = tmp.resolve("plans.parquet");
                        if (parquet) background = parquetOnDriver(outcome.evaluated().context(), plans, parquetDir);
                        PlanRows.writeCsv(tmp.resolve("plans.csv"), plans);
                    } else {
                        Dataset<Row> plans = outcome.results().filter("status != 'invalid'").drop("count").orderBy("gpus", "plan");
                        if (parquet) {
                            plans.write().parquet(tmp.resolve("plans.parquet").toString());
                            times.lap("plans.parquet");
                        }
                        singleCsv(plans, tmp, "plans.csv");
                    }
                    times.lap("plans.csv");
                    Csv.write(tmp.resolve("best.csv"), tables.best());
                    Csv.write(tmp.resolve("pareto.csv"), tables.pareto());
                    Csv.write(tmp.resolve("top.csv"), tables.top());
                    Csv.write(tmp.resolve("heatmap.csv"), tables.heatmap());
                    Csv.write(tmp.resolve("rejected.csv"), tables.rejected());
                    Files.writeString(tmp.resolve("sweep.yaml"), sweepYaml, StandardCharsets.UTF_8);
                    times.lap("answer CSVs");
                    if (charts == null) charts(tmp, outcome, tables);
                    else join(charts);
                    times.lap(charts == null ? "charts" : "charts (rest)");
                    Files.writeString(tmp.resolve("report.md"), SweepReport.markdown(outcome.spec(), tables,
                            sha256(sweepYaml), BuildVersion.current(), date, outcome.streamed()), StandardCharsets.UTF_8);
                    times.lap("report.md");
                    join(background);
                    if (parquet) ParquetParts.normalize(tmp.resolve("plans.parquet"));   // same rows, same bytes
                    if (parquet && outcome.onDriver()) times.lap("plans.parquet (rest)");
                } catch (IOException | RuntimeException e) {
                    for (CompletableFuture<Void> writer : java.util.Arrays.asList(background, charts)) {
                        try {
                            if (writer != null) join(writer);
                        } catch (RuntimeException ignored) {
                            // The first failure is the one reported; the writers have stopped touching tmp.
                        }
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return one local Parquet part of {@code plans} being written by Spark on its own thread (its cold start overlaps the rest)} */
    private static CompletableFuture<Void> parquetOnDriver(org.apache.spark.SparkContext spark, List<Row> plans, Path dir) {
        return CompletableFuture.runAsync(() -> dev.parasim.spark.SparkSessions.over(spark).createDataFrame(plans, PlanRows.SCHEMA)
                .coalesce(1).write().parquet(dir.toString()), runnable -> new Thread(runnable, "sweep-parquet").start());
    }

    /** Draws the sweep's charts into {@code dir/charts} (an I/O failure unchecked, for a background thread). */
    private static void charts(Path dir, SweepJob.Outcome outcome, Tables tables) {
        try {
            SweepCharts.write(dir.resolve("charts"), outcome, tables, SweepCharts.defaultThreads());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for a background write; its failure is rethrown unwrapped. */
    static void join(CompletableFuture<Void> write) {
        try {
            write.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Spark writes a directory of parts; one ordered partition becomes one file, moved to {@code name}. */
    static void singleCsv(Dataset<Row> rows, Path dir, String name) throws IOException {
        Path parts = dir.resolve(name + ".parts");
        rows.coalesce(1).write().option("header", "true").csv(parts.toString());
        try (Stream<Path> files = Files.list(parts)) {
            Path part = files.filter(f -> f.getFileName().toString().startsWith("part-")).findFirst()
                    .orElseThrow(() -> new IOException("Spark wrote no CSV part in " + parts));
            Files.move(part, dir.resolve(name));
        }
        deleteTree(parts);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path root) throws IOException {
        OutputDirectory.deleteTree(root);
    }

    /** The small answer tables, collected to the driver. */
    public record Tables(List<Row> status, List<Row> best, List<Row> pareto, List<Row> top, List<Row> heatmap,
                         List<Row> rejected, String[] columns) {
        /** {@return the answers: a streamed sweep's summary, one pass on the driver when the rows are there, else Spark SQL} */
        public static Tables of(SweepJob.Outcome o) {
            if (o.streamed()) return o.summary().tables();
            return o.onDriver() ? SweepAnswers.of(o.kept(), o.spec().constraints().topK()) : sql(o);
        }

        /** {@return the answers from Spark SQL ({@link SweepQueries}), whatever the sweep's size} */
        public static Tables sql(SweepJob.Outcome o) {
            Dataset<Row> r = o.results();
            return new Tables(SweepQueries.statusCounts(r).collectAsList(), SweepQueries.best(r).collectAsList(),
                    SweepQueries.pareto(r).collectAsList(), SweepQueries.top(r, o.spec().constraints().topK()).collectAsList(),
                    SweepQueries.heatmap(r).collectAsList(), SweepQueries.rejected(r).collectAsList(),
                    SweepQueries.COLUMNS.split(", "));
        }

        public long count(String status) {
            return status().stream().filter(row -> row.getString(0).equals(status)).mapToLong(row -> row.getLong(1)).sum();
        }
    }

    /** Minimal CSV for collected rows: header from the schema, doubles in Java's round-trip form. */
    static final class Csv {
        static void write(Path file, List<Row> rows) throws IOException {
            StringBuilder b = new StringBuilder();
            if (!rows.isEmpty()) b.append(String.join(",", rows.get(0).schema().fieldNames())).append('\n');
            for (Row row : rows) {
                for (int i = 0; i < row.size(); i++) {
                    if (i > 0) b.append(',');
                    Object v = row.get(i);
                    String s = v == null ? "" : String.valueOf(v);
                    b.append(s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s);
                }
                b.append('\n');
            }
            Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
        }
    }

    static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1e9);
    }
}

package dev.parasim.sweep;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The plans table of a sweep held on the driver: every evaluated plan (ok and oom) without the
 * {@code count} column, ordered by GPU count and plan name, and its CSV written the way Spark's CSV
 * writer writes it with a header (so plans.csv is the same bytes whichever path wrote it).
 */
final class PlanRows {
    private static final int COUNT = SweepRows.SCHEMA.fieldIndex("count");
    /** {@link SweepRows#SCHEMA} without {@code count}. */
    static final StructType SCHEMA = new StructType(Arrays.stream(SweepRows.SCHEMA.fields())
            .filter(f -> !f.name().equals("count")).toArray(StructField[]::new));

    private PlanRows() {}

    /** {@return the ok and oom rows without their count, by GPU count then plan name} */
    static List<Row> sorted(List<Row> kept) {
        return kept.stream().filter(r -> !r.getString(SweepAnswers.STATUS_COLUMN).equals(SweepResult.INVALID))
                .sorted(Comparator.<Row>comparingInt(r -> r.getInt(SweepAnswers.GPUS)).thenComparing(r -> r.getString(SweepAnswers.PLAN)))
                .map(PlanRows::withoutCount).toList();
    }

    static Row withoutCount(Row r) {
        Object[] values = new Object[r.length() - 1];
        for (int i = 0, j = 0; i < r.length(); i++) if (i != COUNT) values[j++] = r.get(i);
        return RowFactory.create(values);
    }

    /**
     * Writes the rows as Spark's CSV writer does by default (header, comma, {@code \n}): numbers and booleans
     * by their Java text, an empty string as {@code ""}, a string holding a comma, quote or line break quoted
     * with its quotes escaped as {@code \"}.
     */
    static void writeCsv(Path file, List<Row> rows) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(String.join(",", SCHEMA.fieldNames()));
            out.write('\n');
            for (Row row : rows) {
                for (int i = 0; i < row.length(); i++) {
                    if (i > 0) out.write(',');
                    Object v = row.get(i);
                    out.write(v instanceof String s ? text(s) : String.valueOf(v));
                }
                out.write('\n');
            }
        }
    }

    static String text(String s) {
        if (s.isEmpty()) return "\"\"";
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r"))
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        return s;
    }
}

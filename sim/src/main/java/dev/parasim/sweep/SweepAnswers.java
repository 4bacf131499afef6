package dev.parasim.sweep;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The answers of {@link SweepQueries}, computed on the driver in one pass over the kept rows: for a sweep
 * small enough to hold (see {@link SweepJob#DRIVER_CANDIDATES}) this avoids a Spark job, a shuffle and a
 * round of code generation per answer. Same rows, columns, types and order as the Spark SQL answers
 * (ties broken the same way: by plan name, then GPU count).
 */
public final class SweepAnswers {
    private static final String[] COLUMNS = SweepQueries.COLUMNS.split(", ");
    private static final StructType PLAN_COLUMNS = project(COLUMNS);
    static final StructType STATUS = new StructType().add("status", DataTypes.StringType).add("plans", DataTypes.LongType);
    static final StructType HEATMAP = new StructType().add("gpus", DataTypes.IntegerType).add("tp", DataTypes.IntegerType)
            .add("pp", DataTypes.IntegerType).add("bestMfu", DataTypes.DoubleType).add("oom", DataTypes.LongType)
            .add("fit", DataTypes.LongType);
    static final StructType REJECTED = new StructType().add("reason", DataTypes.StringType).add("candidates", DataTypes.LongType);

    static final int GPUS = index("gpus"), PLAN = index("plan"), TP = index("tp"), PP = index("pp"), STATUS_COLUMN = index("status"),
            REASON = index("reason"), COUNT = index("count"), PEAK = index("peakBytes"), STEP = index("stepSeconds"),
            MFU = index("mfu"), TOKENS = index("tokensPerSecond");

    private SweepAnswers() {}

    /** {@return the answer tables of every kept row (ok, oom and invalid counts)}, top {@code k} by MFU */
    public static SweepOutput.Tables of(List<Row> rows, int k) {
        Map<String, Long> status = new TreeMap<>();
        Map<Integer, Row> best = new TreeMap<>();
        Map<String, Long> rejected = new TreeMap<>();
        Map<List<Integer>, long[]> counts = new TreeMap<>(Comparator.<List<Integer>>comparingInt(c -> c.get(0))
                .thenComparingInt(c -> c.get(1)).thenComparingInt(c -> c.get(2)));
        Map<List<Integer>, Double> bestMfu = new java.util.HashMap<>();
        List<Row> fits = new ArrayList<>();
        for (Row r : rows) {
            String s = r.getString(STATUS_COLUMN);
            status.merge(s, r.getLong(COUNT), Long::sum);
            if (s.equals(SweepResult.INVALID)) {
                rejected.merge(r.getString(REASON), r.getLong(COUNT), Long::sum);
                continue;
            }
            List<Integer> cell = List.of(r.getInt(GPUS), r.getInt(TP), r.getInt(PP));
            long[] oomFit = counts.computeIfAbsent(cell, c -> new long[2]);
            if (s.equals(SweepResult.OOM)) {
                oomFit[0]++;
                continue;
            }
            oomFit[1]++;
            bestMfu.merge(cell, r.getDouble(MFU), Math::max);
            fits.add(r);
            best.merge(r.getInt(GPUS), r, (a, b) -> FASTEST.compare(a, b) <= 0 ? a : b);
        }
        List<Row> statusRows = new ArrayList<>();
        status.forEach((s, n) -> statusRows.add(new GenericRowWithSchema(new Object[] {s, n}, STATUS)));
        List<Row> heatmap = new ArrayList<>();
        counts.forEach((cell, n) -> heatmap.add(new GenericRowWithSchema(
                new Object[] {cell.get(0), cell.get(1), cell.get(2), bestMfu.get(cell), n[0], n[1]}, HEATMAP)));
        List<Row> rejectedRows = new ArrayList<>();
        rejected.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> rejectedRows.add(new GenericRowWithSchema(new Object[] {e.getKey(), e.getValue()}, REJECTED)));
        return new SweepOutput.Tables(statusRows, best.values().stream().map(SweepAnswers::planColumns).toList(),
                pareto(fits), fits.stream().sorted(BY_MFU).limit(k).map(SweepAnswers::planColumns).toList(),
                heatmap, rejectedRows, COLUMNS.clone());
    }

    /** Highest tokens/s first, then plan name (the SQL's ROW_NUMBER order). */
    static final Comparator<Row> FASTEST = Comparator.<Row>comparingDouble(r -> -r.getDouble(TOKENS))
            .thenComparing(r -> r.getString(PLAN));
    /** Highest MFU first, then plan name, then GPU count. */
    static final Comparator<Row> BY_MFU = Comparator.<Row>comparingDouble(r -> -r.getDouble(MFU))
            .thenComparing(r -> r.getString(PLAN)).thenComparingInt(r -> r.getInt(GPUS));

    /**
     * Per GPU count, the plans that fit in order of step time, peak memory and plan name; a plan is on the
     * front when its peak is below every earlier (faster) plan's. Ordered by GPU count, then step time.
     */
    static List<Row> pareto(List<Row> fits) {
        List<Row> sorted = new ArrayList<>(fits);
        sorted.sort(Comparator.<Row>comparingInt(r -> r.getInt(GPUS)).thenComparingDouble(r -> r.getDouble(STEP))
                .thenComparingLong(r -> r.getLong(PEAK)).thenComparing(r -> r.getString(PLAN)));
        List<Row> front = new ArrayList<>();
        int gpus = -1;
        long smallestPeak = Long.MAX_VALUE;
        for (Row r : sorted) {
            if (r.getInt(GPUS) != gpus) {
                gpus = r.getInt(GPUS);
                smallestPeak = Long.MAX_VALUE;
            }
            if (r.getLong(PEAK) < smallestPeak) front.add(planColumns(r));
            smallestPeak = Math.min(smallestPeak, r.getLong(PEAK));
        }
        return front;
    }

    /** {@return the plans that fit on {@code gpus} GPUs, fastest first (then by plan name), at most {@code limit}} */
    static List<Row> fastest(List<Row> rows, int gpus, int limit) {
        return rows.stream().filter(r -> r.getInt(GPUS) == gpus && r.getString(STATUS_COLUMN).equals(SweepResult.OK))
                .sorted(Comparator.<Row>comparingDouble(r -> r.getDouble(STEP)).thenComparing(r -> r.getString(PLAN)))
                .limit(limit).toList();
    }

    static Row planColumns(Row r) {
        Object[] values = new Object[COLUMNS.length];
        for (int i = 0; i < COLUMNS.length; i++) values[i] = r.get(index(COLUMNS[i]));
        return new GenericRowWithSchema(values, PLAN_COLUMNS);
    }

    private static int index(String column) {
        return SweepRows.SCHEMA.fieldIndex(column);
    }

    private static StructType project(String[] columns) {
        StructField[] fields = new StructField[columns.length];
        for (int i = 0; i < columns.length; i++) fields[i] = SweepRows.SCHEMA.fields()[index(columns[i])];
        return new StructType(fields);
    }
}

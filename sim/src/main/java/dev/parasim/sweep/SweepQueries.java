package dev.parasim.sweep;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What a planner asks of a sweep, in Spark SQL over the view {@code plans}: the best plan per GPU count,
 * the Pareto front of memory against step time, the top-k by MFU, the best MFU over TP × PP (with cells
 * where every plan is out of memory marked), and how many candidates each rule rejected.
 */
public final class SweepQueries {
    static final String COLUMNS = "gpus, plan, dp, tp, pp, cp, ep, zero, schedule, chunks, sequenceParallel, microBatch, "
            + "recompute, peakBytes, commBytesPerGpu, stepSeconds, timelineStepSeconds, mfu, tokensPerSecond, daysToTrain";

    private SweepQueries() {}

    static Dataset<Row> sql(Dataset<Row> results, String query) {
        results.createOrReplaceTempView("plans");
        return results.sparkSession().sql(query);
    }

    /** {@return per status, how many candidates (invalid rows carry counts)} */
    public static Dataset<Row> statusCounts(Dataset<Row> results) {
        return sql(results, "SELECT status, SUM(count) AS plans FROM plans GROUP BY status ORDER BY status");
    }

    public static Dataset<Row> best(Dataset<Row> results) {
        return sql(results, "SELECT " + COLUMNS + " FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY gpus "
                + "ORDER BY tokensPerSecond DESC, plan) AS rank FROM plans WHERE status = 'ok') WHERE rank = 1 ORDER BY gpus");
    }

    /** A plan is on the front when every faster plan (same GPU count) needs more memory. */
    public static Dataset<Row> pareto(Dataset<Row> results) {
        return sql(results, "SELECT " + COLUMNS + " FROM (SELECT *, MIN(peakBytes) OVER (PARTITION BY gpus "
                + "ORDER BY stepSeconds, peakBytes, plan ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS fasterPeak "
                + "FROM plans WHERE status = 'ok') WHERE fasterPeak IS NULL OR peakBytes < fasterPeak ORDER BY gpus, stepSeconds");
    }

    public static Dataset<Row> top(Dataset<Row> results, int k) {
        return sql(results, "SELECT " + COLUMNS + " FROM plans WHERE status = 'ok' ORDER BY mfu DESC, plan LIMIT " + k);
    }

    /** {@return per GPU count, tp and pp: the best MFU among plans that fit (null if none), and how many did not fit} */
    public static Dataset<Row> heatmap(Dataset<Row> results) {
        return sql(results, "SELECT gpus, tp, pp, MAX(CASE WHEN status = 'ok' THEN mfu END) AS bestMfu, "
                + "SUM(CASE WHEN status = 'oom' THEN 1 ELSE 0 END) AS oom, SUM(CASE WHEN status = 'ok' THEN 1 ELSE 0 END) AS fit "
                + "FROM plans WHERE status IN ('ok', 'oom') GROUP BY gpus, tp, pp ORDER BY gpus, tp, pp");
    }

    public static Dataset<Row> rejected(Dataset<Row> results) {
        return sql(results, "SELECT reason, SUM(count) AS candidates FROM plans WHERE status = 'invalid' "
                + "GROUP BY reason ORDER BY candidates DESC, reason");
    }

    /** {@return why plans did not fit, by pipeline stage count (the reason names the stage and sizes)} */
    public static Dataset<Row> outOfMemory(Dataset<Row> results) {
        return sql(results, "SELECT gpus, COUNT(*) AS plans, MIN(peakBytes) AS smallestPeakBytes FROM plans "
                + "WHERE status = 'oom' GROUP BY gpus ORDER BY gpus");
    }
}

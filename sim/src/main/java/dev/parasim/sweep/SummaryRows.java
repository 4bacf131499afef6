package dev.parasim.sweep;

import dev.parasim.spec.load.SweepLoader;
import org.apache.spark.sql.Row;
import org.apache.spark.util.AccumulatorV2;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A streamed sweep whose every evaluated plan is also written (by the executors, {@code sim sweep --parquet}): one task's
 * plans as an iterator of plan rows ({@link PlanRows#SCHEMA}, ok and oom), evaluated one seed at a time as the writer
 * asks, each folded into the task's {@link SweepSummary}, which goes to the driver through an {@link Accumulator} when
 * the iterator ends. Spark applies a result task's accumulator updates once per partition (a failed or repeated attempt's
 * are dropped), so the merged summary counts every plan once, as {@code reduce} does.
 */
final class SummaryRows implements Iterator<Row> {
    private final PlanEvaluator evaluator;
    private final Iterator<PlanSpace.Seed> seeds;
    private final SweepSummary summary;
    private final Accumulator sink;
    private final ArrayDeque<Row> ready = new ArrayDeque<>();
    private boolean reported;

    SummaryRows(String yaml, List<String> overrides, int topK, List<PlanSpace.Seed> group, Accumulator sink) {
        this.evaluator = new PlanEvaluator(SweepLoader.parse(yaml, overrides));
        this.seeds = group.iterator();
        this.summary = new SweepSummary(topK);
        this.sink = sink;
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty() && seeds.hasNext())
            evaluator.evaluate(seeds.next(), r -> {
                summary.add(r);
                if (!r.status().equals(SweepResult.INVALID)) ready.add(PlanRows.withoutCount(SweepRows.row(r)));
            });
        if (ready.isEmpty() && !reported) {
            reported = true;
            sink.add(summary);
        }
        return !ready.isEmpty();
    }

    @Override
    public Row next() {
        if (!hasNext()) throw new NoSuchElementException();
        return ready.poll();
    }

    /** The tasks' summaries merged on the driver. */
    static final class Accumulator extends AccumulatorV2<SweepSummary, SweepSummary> {
        private final int topK;
        private SweepSummary merged;

        Accumulator(int topK) {
            this.topK = topK;
        }

        @Override
        public boolean isZero() {
            return merged == null;
        }

        @Override
        public Accumulator copy() {
            Accumulator copy = new Accumulator(topK);
            if (merged != null) copy.merged = new SweepSummary(topK).merge(merged);
            return copy;
        }

        @Override
        public void reset() {
            merged = null;
        }

        @Override
        public void add(SweepSummary summary) {
            merged = merged == null ? summary : merged.merge(summary);
        }

        @Override
        public void merge(AccumulatorV2<SweepSummary, SweepSummary> other) {
            if (!other.isZero()) add(other.value());
        }

        @Override
        public SweepSummary value() {
            return merged == null ? new SweepSummary(topK) : merged;
        }
    }
}

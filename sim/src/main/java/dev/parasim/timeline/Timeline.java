package dev.parasim.timeline;

import java.util.List;

/**
 * The timeline interpreter's answer for one plan: every span of one step, and the step's breakdown. Rows
 * are one representative rank per pipeline stage (DP and TP peers are symmetric) when a plan is played,
 * or every rank when an executed run's event log is replayed ({@code rowNoun} "stage" or "rank").
 *
 * @param stages             rows: pipeline stages, or ranks
 * @param busySeconds        per row, time its compute lane is busy
 * @param bubbleSeconds      idle compute time of the row that sets the step, inside the pipeline phase
 * @param exposedCommSeconds communication time not hidden behind compute on that row
 * @param rowNoun            what a row is, for charts and traces
 */
public record Timeline(String plan, int stages, List<Span> spans, double stepSeconds, double computeSeconds,
                       double exposedCommSeconds, double bubbleSeconds, double[] busySeconds, String rowNoun) {

    public Timeline {
        spans = List.copyOf(spans);
        busySeconds = busySeconds.clone();
        if (!rowNoun.equals("stage") && !rowNoun.equals("rank"))
            throw new IllegalArgumentException("rowNoun: must be stage or rank, found " + rowNoun);
    }

    /** A played plan: one row per pipeline stage. */
    public Timeline(String plan, int stages, List<Span> spans, double stepSeconds, double computeSeconds,
                    double exposedCommSeconds, double bubbleSeconds, double[] busySeconds) {
        this(plan, stages, spans, stepSeconds, computeSeconds, exposedCommSeconds, bubbleSeconds, busySeconds, "stage");
    }

    /** {@return the spans of one stage and lane, in start order} */
    public List<Span> lane(int stage, Lane lane) {
        return spans.stream().filter(s -> s.stage() == stage && s.lane() == lane)
                .sorted(java.util.Comparator.comparingDouble(Span::startSeconds)).toList();
    }
}

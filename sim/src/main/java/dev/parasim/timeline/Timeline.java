package dev.parasim.timeline;

import java.util.List;

/**
 * The timeline interpreter's answer for one plan: every span of one step, and the step's breakdown. Rows
 * are one representative rank per pipeline stage (DP and TP peers are symmetric) when a plan is played,
 * or every rank when an executed run's event log is replayed ({@code rowNoun} "stage" or "rank").
 *
 * @param stages             rows: pipeline stages, or ranks
 * <p>The step splits as compute + exposed communication + bubble on the <em>busiest</em> row (the most compute plus
 * exposed communication): the bubble is the time the pipeline's bottleneck waits inside the step, {@code step −
 * its compute − its exposed communication}. That is ParaSim's one definition of the bubble, the closed form's
 * ({@code analytic.StepTime}) as the timeline's, and as a fraction it is always taken of the bubble-free step,
 * {@code bubble / (step − bubble)} ({@link #bubbleFraction}): (p−1)/m for 1F1B with equal stages (Narayanan et al. 2021).
 *
 * @param busySeconds        per row, time its compute lane is busy
 * @param bubbleSeconds      idle time of the busiest row inside the step
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

    /** {@return the bubble over the bubble-free step, bubble / (step − bubble): the one fraction charts and reports show} */
    public double bubbleFraction() { return fraction(stepSeconds, bubbleSeconds); }

    /** {@return bubble / (step − bubble), 0 without a bubble} */
    public static double fraction(double stepSeconds, double bubbleSeconds) {
        return bubbleSeconds <= 0 ? 0 : bubbleSeconds / Math.max(stepSeconds - bubbleSeconds, 1e-30);
    }

    /** {@return the spans of one stage and lane, in start order} */
    public List<Span> lane(int stage, Lane lane) {
        return spans.stream().filter(s -> s.stage() == stage && s.lane() == lane)
                .sorted(java.util.Comparator.comparingDouble(Span::startSeconds)).toList();
    }
}

package dev.parasim.timeline;

import java.util.List;

/**
 * The timeline interpreter's answer for one plan: every span of one step on one representative rank
 * per pipeline stage (DP and TP peers are symmetric), and the step's breakdown.
 *
 * @param busySeconds        per stage, time its compute lane is busy
 * @param bubbleSeconds      idle compute time of the stage that sets the step, inside the pipeline phase
 * @param exposedCommSeconds communication time not hidden behind compute on that stage
 */
public record Timeline(String plan, int stages, List<Span> spans, double stepSeconds, double computeSeconds,
                       double exposedCommSeconds, double bubbleSeconds, double[] busySeconds) {

    public Timeline {
        spans = List.copyOf(spans);
        busySeconds = busySeconds.clone();
    }

    /** {@return the spans of one stage and lane, in start order} */
    public List<Span> lane(int stage, Lane lane) {
        return spans.stream().filter(s -> s.stage() == stage && s.lane() == lane)
                .sorted(java.util.Comparator.comparingDouble(Span::startSeconds)).toList();
    }
}

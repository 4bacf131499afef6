package dev.parasim.analytic;

/**
 * One optimizer step on the slowest pipeline stage: step = compute + exposed communication + bubble, the bubble
 * being the time that stage waits inside the step (the one definition, stated on {@code timeline.Timeline}).
 * {@code stage} is the slowest stage.
 */
public record StepTime(double stepSeconds, double computeSeconds, double exposedCommSeconds, double bubbleSeconds,
                       int stage) {
}

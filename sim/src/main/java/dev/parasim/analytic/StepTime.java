package dev.parasim.analytic;

/**
 * One optimizer step on the slowest pipeline stage: step = compute + exposed communication + bubble.
 * {@code stage} is the stage whose timeline sets the step.
 */
public record StepTime(double stepSeconds, double computeSeconds, double exposedCommSeconds, double bubbleSeconds,
                       int stage) {
}

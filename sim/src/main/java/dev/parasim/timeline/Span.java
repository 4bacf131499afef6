package dev.parasim.timeline;

/**
 * One interval of a timeline: on pipeline stage {@code stage}'s {@code lane}, from {@code startSeconds}
 * to {@code endSeconds}; {@code microBatch} and {@code chunk} are −1 when not tied to one.
 */
public record Span(int stage, Lane lane, SpanKind kind, int microBatch, int chunk, double startSeconds,
                   double endSeconds, String label) {

    public double seconds() { return endSeconds - startSeconds; }
}

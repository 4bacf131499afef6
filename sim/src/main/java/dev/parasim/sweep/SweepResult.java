package dev.parasim.sweep;

/**
 * One evaluated plan of a sweep (status ok or oom), or a count of rejected candidates sharing one reason
 * (status invalid, {@code count} > 1 allowed, plan fields zero).
 */
public record SweepResult(int gpus, String plan, int dp, int tp, int pp, int cp, int ep, int zero, String schedule, int chunks,
                          boolean sequenceParallel, int microBatch, String recompute, String status, String reason,
                          long count, long peakBytes, long paramsBytes, long gradsBytes, long optimizerBytes,
                          long activationsBytes, long otherBytes, long commBytesPerGpu, double stepSeconds,
                          double timelineStepSeconds, double computeSeconds, double exposedCommSeconds,
                          double bubbleSeconds, double mfu, double hfu, double tokensPerSecond,
                          double tokensPerSecondPerGpu, double daysToTrain) implements java.io.Serializable {

    public static final String OK = "ok", OOM = "oom", INVALID = "invalid";

    static SweepResult invalid(int gpus, String reason, long count) {
        return new SweepResult(gpus, "", 0, 0, 0, 0, 0, 0, "", 0, false, 0, "", INVALID, reason, count,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }
}

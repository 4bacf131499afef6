package dev.parasim.spark;

/** Spark could not start or lost its cluster: the message is one line naming the cause. */
public final class SparkFailure extends RuntimeException {
    public SparkFailure(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.parasim;

import dev.parasim.spark.SparkSessions;
import org.apache.spark.sql.SparkSession;

/** One local[2] SparkSession for the whole test JVM (the first costs seconds, later ones milliseconds). */
public final class SparkTestSession {
    private SparkTestSession() {}

    public static synchronized SparkSession get() {
        return SparkSessions.get("local[2]");
    }
}

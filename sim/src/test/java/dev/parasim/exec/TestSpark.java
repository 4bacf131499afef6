package dev.parasim.exec;

import dev.parasim.SparkTestSession;
import org.apache.spark.sql.SparkSession;

/**
 * The executed-simulation tests' door to the one SparkSession of the test JVM ({@link SparkTestSession}:
 * local[2], no UI, driver on 127.0.0.1, uncompressed shuffle so shuffle bytes equal payload bytes).
 */
public final class TestSpark {
    private TestSpark() {}

    public static SparkSession session() {
        return SparkTestSession.get();
    }
}

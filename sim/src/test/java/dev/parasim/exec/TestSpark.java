package dev.parasim.exec;

import org.apache.spark.sql.SparkSession;

/**
 * The one SparkSession every executed-simulation test shares (local[2], no UI, uncompressed shuffle so
 * shuffle bytes equal payload bytes). Created on first use, stopped when the test JVM exits.
 */
public final class TestSpark {
    private static SparkSession session;

    private TestSpark() {}

    public static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2]")
                    .appName("parasim-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.shuffle.compress", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "2")
                    .getOrCreate();
            SparkSession s = session;
            Runtime.getRuntime().addShutdownHook(new Thread(s::stop));
        }
        return session;
    }
}

package dev.parasim.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The one way ParaSim gets a SparkSession: embedded {@code local[*]} by default, any master on request,
 * and whatever {@code spark-submit} configured when launched by it (spark.master already set).
 */
public final class SparkSessions {
    private SparkSessions() {}

    /** {@return the session for {@code master} (null: spark-submit's, else local[*])} */
    public static SparkSession get(String master) {
        SparkSession.Builder builder = SparkSession.builder().appName("ParaSim");
        if (master != null) builder.master(master);
        else if (System.getProperty("spark.master") == null) builder.master("local[*]");
        boolean local = master == null ? System.getProperty("spark.master", "local").startsWith("local") : master.startsWith("local");
        if (local) {
            builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.ui.enabled", "false");
        }
        return builder
                // Shuffle bytes are reported as communication volume: lz4 would make them data-dependent.
                .config("spark.shuffle.compress", "false")
                .config("spark.executorEnv.OMP_NUM_THREADS", "1")
                .config("spark.sql.shuffle.partitions", "8")
                .config("spark.sql.debug.maxToStringFields", "200")
                .config("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                .getOrCreate();
    }
}

package dev.parasim.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The one way ParaSim gets a SparkSession: embedded {@code local[*]} by default, any master on request,
 * and whatever {@code spark-submit} configured when launched by it (spark.master already set).
 */
public final class SparkSessions {
    private SparkSessions() {}

    /** {@return the session for {@code master} (null: spark-submit's, else local[*])}; a {@link SparkFailure} if it cannot start */
    public static SparkSession get(String master) {
        checkMaster(master);
        try {
            return build(master);
        } catch (Exception e) {   // Scala throws SparkException unchecked
            throw new SparkFailure("cannot start Spark" + (master == null ? "" : " with master " + master), e);
        }
    }

    private static final java.util.regex.Pattern MASTER = java.util.regex.Pattern.compile(
            "local(\\[(\\*|\\d{1,4})(,\\d{1,4})?])?|local-cluster\\[\\d{1,4},\\d{1,4},\\d{1,7}]"
                    + "|spark://[A-Za-z0-9.\\-]+:\\d{1,5}(,[A-Za-z0-9.\\-]+:\\d{1,5})*|yarn|k8s://\\S+");

    /** Rejects a {@code --master} that is none of Spark's forms, before anything starts; null (the default) passes. */
    public static void checkMaster(String master) {
        if (master != null && !MASTER.matcher(master).matches())
            throw new dev.parasim.spec.SpecException("--master", "must be local, local[N], local[*], spark://HOST:PORT, yarn or k8s://URL",
                    master);
    }

    /**
     * {@return whether {@code master} (null: spark-submit's, else local[*]) runs the executors in this JVM} (local,
     * local[N]; not local-cluster, whose executors are separate JVMs)
     */
    public static boolean local(String master) {
        String m = master != null ? master : System.getProperty("spark.master", "local");
        return m.equals("local") || m.startsWith("local[");
    }

    private static SparkSession build(String master) {
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

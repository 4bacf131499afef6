package dev.parasim.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
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

    /**
     * {@return how many tasks a local {@code master} (null: spark-submit's, else local[*]) runs at once}: 1 for local, N for
     * local[N] and local[N,F], this machine's cores for local[*]; an {@link IllegalArgumentException} for any other master
     */
    public static int localThreads(String master) {
        String m = master != null ? master : System.getProperty("spark.master", "local[*]");
        if (!local(m)) throw new IllegalArgumentException("not a local master: " + m);
        if (m.equals("local")) return 1;
        String n = m.substring("local[".length(), m.length() - 1).split(",")[0];
        return n.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n);
    }

    /**
     * {@return the SparkContext for {@code master} (null: spark-submit's, else local[*]), started without a SparkSession}
     * (the running one if any); a {@link SparkFailure} if it cannot start. A sweep needs only this: its jobs are RDD
     * jobs, and in a cold JVM a session costs about 2.5 s more of loading Spark SQL's classes on top of the context's
     * 2.7 s. {@link #over} builds the session on it when Spark SQL is asked for.
     */
    public static SparkContext context(String master) {
        checkMaster(master);
        try {
            return SparkContext.getOrCreate(conf(master));
        } catch (Exception e) {   // Scala throws SparkException unchecked
            throw new SparkFailure("cannot start Spark" + (master == null ? "" : " with master " + master), e);
        }
    }

    /** {@return the SparkSession on the running {@code context}} (built on the first call, with {@link #conf}'s settings) */
    public static SparkSession over(SparkContext context) {
        if (context.isStopped()) throw new IllegalStateException("the SparkContext has stopped");
        return SparkSession.builder().getOrCreate();   // reuses the active context and its configuration
    }

    /** {@return the configuration every ParaSim Spark application starts with} */
    static SparkConf conf(String master) {
        SparkConf conf = new SparkConf().setAppName("ParaSim");   // also reads spark-submit's spark.* system properties
        if (master != null) conf.setMaster(master);
        else if (System.getProperty("spark.master") == null) conf.setMaster("local[*]");
        boolean local = master == null ? System.getProperty("spark.master", "local").startsWith("local") : master.startsWith("local");
        if (local) {
            conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1").set("spark.ui.enabled", "false");
        }
        return conf
                // Shuffle bytes are reported as communication volume: lz4 would make them data-dependent.
                .set("spark.shuffle.compress", "false")
                .set("spark.executorEnv.OMP_NUM_THREADS", "1")
                .set("spark.sql.shuffle.partitions", "8")
                .set("spark.sql.debug.maxToStringFields", "200")
                .set("spark.scheduler.minRegisteredResourcesRatio", "1.0");
    }

    private static SparkSession build(String master) {
        return SparkSession.builder().config(conf(master)).getOrCreate();
    }
}

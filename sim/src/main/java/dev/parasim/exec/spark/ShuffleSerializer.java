package dev.parasim.exec.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;

/**
 * Spark's {@link JavaSerializer} for the supersteps' message shuffles, writing the same bytes. Every task of a shuffle
 * deserializes its dependency's serializer, and Spark's own is rebuilt through {@code new SparkConf()}, which copies
 * every JVM system property into a map: about 3.5% of the executor threads' samples in a JFR profile of executed
 * ZeRO-3 runs. This one is rebuilt on a configuration that reads none, then takes the driver's settings from the
 * stream ({@link JavaSerializer#readExternal}) as Spark's does.
 */
final class ShuffleSerializer extends JavaSerializer {
    private static final long serialVersionUID = 1L;
    private static final SparkConf NO_DEFAULTS = new SparkConf(false);

    /** The form tasks deserialize; its settings are then read from the stream. */
    public ShuffleSerializer() { super(NO_DEFAULTS); }

    /** The driver's serializer, with the application's settings ({@code spark.serializer.objectStreamReset}, …). */
    ShuffleSerializer(SparkConf conf) { super(conf); }
}

package dev.parasim.program.schedule;

/**
 * One pass of micro-batch {@code microBatch} through virtual chunk {@code chunk} (0 unless interleaved); serializable, as
 * the executor's pass ops that hold one travel with their rank's state through Spark.
 */
public record PassRef(Pass pass, int microBatch, int chunk) implements java.io.Serializable {

    @Override
    public String toString() {
        return pass + "" + microBatch + (chunk > 0 ? "." + chunk : "");
    }
}

package dev.parasim.program.schedule;

/** One pass of micro-batch {@code microBatch} through virtual chunk {@code chunk} (0 unless interleaved). */
public record PassRef(Pass pass, int microBatch, int chunk) {

    @Override
    public String toString() {
        return pass + "" + microBatch + (chunk > 0 ? "." + chunk : "");
    }
}

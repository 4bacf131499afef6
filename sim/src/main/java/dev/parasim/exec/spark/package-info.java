/**
 * Spark hosting of simulated ranks (the {@link dev.parasim.exec.Backend} of every real run, and the
 * executed-run entry point that picks the transport): rank state lives in a cached RDD partitioned by rank, each
 * communication round is a shuffle of the messages keyed by destination rank, zipped back into the
 * state's partitions, and Spark's own shuffle-write bytes are read back as a second count.
 */
package dev.parasim.exec.spark;

/** Benchmarks of the executed simulation: what a Spark-hosted collective costs per byte and per round. */
package dev.parasim.exec.bench;

/** Benchmarks that print numbers: performance targets live here, never in timed tests. */
package dev.parasim.bench;

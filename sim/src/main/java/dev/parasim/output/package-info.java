/**
 * What every writer of output files shares, below the packages that write them: deterministic JSON
 * ({@link dev.parasim.output.Json}) and the build's version stamp ({@link dev.parasim.output.BuildVersion}).
 */
package dev.parasim.output;

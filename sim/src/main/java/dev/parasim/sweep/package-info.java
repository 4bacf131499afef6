/** Plan-space sweeps as Spark jobs: enumeration, evaluation with the accountant and the timeline, Spark SQL rankings and outputs. */
package dev.parasim.sweep;

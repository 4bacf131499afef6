/** The sim command line (picocli); the only place that exits the JVM. */
package dev.parasim.cli;

/** The step program: schedules as generators of each stage's pass order, and the dependencies between passes. */
package dev.parasim.program;

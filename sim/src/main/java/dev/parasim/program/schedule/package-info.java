/** Schedules as generators of each pipeline stage's pass order (GPipe, 1F1B, interleaved, ZB-H1), the dependencies between passes, and orders compiled for fast replay. */
package dev.parasim.program.schedule;

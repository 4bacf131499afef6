/** The timeline interpreter: a discrete-event player of the step program with per-rank compute and comm lanes, and its Chrome trace. */
package dev.parasim.timeline;

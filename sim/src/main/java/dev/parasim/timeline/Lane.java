package dev.parasim.timeline;

/** A track in the Gantt and the trace: one pipeline stage's (representative rank's) compute or comm stream. */
public enum Lane { COMPUTE, COMM }

package dev.parasim.program.schedule;

/** The compute passes of one micro-batch through one model chunk on one pipeline stage. */
public enum Pass {
    /** forward */
    F,
    /** backward for the input gradient (zero-bubble schedules split it from W) */
    B,
    /** backward for the weight gradient */
    W,
    /** the whole backward, B and W together (GPipe, 1F1B, interleaved) */
    BW
}

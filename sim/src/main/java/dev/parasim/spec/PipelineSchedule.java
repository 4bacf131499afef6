package dev.parasim.spec;

/** Pipeline schedules: all-forward-all-backward, one-forward-one-backward, interleaved 1F1B with virtual chunks, zero-bubble ZB-H1. */
public enum PipelineSchedule implements Node.Labelled {
    GPIPE("gpipe"),
    ONE_F_ONE_B("1f1b"),
    INTERLEAVED("interleaved"),
    ZB_H1("zb-h1");

    private final String label;

    PipelineSchedule(String label) { this.label = label; }

    @Override public String label() { return label; }

    @Override public String toString() { return label; }
}

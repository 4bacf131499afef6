package dev.parasim.teach;

import dev.parasim.spec.Node;

import java.util.List;

/**
 * The chart that shows a question's answer: one of the report's charts for the setup's plans, a Gantt of one
 * plan, the collective bus-bandwidth curves of the setup's cluster, or a sweep of probes over one {@code --set} path.
 */
public record ChartRef(Kind kind, String plan, String set, List<Integer> values, List<String> probes) {
    public ChartRef {
        values = values == null ? List.of() : List.copyOf(values);
        probes = probes == null ? List.of() : List.copyOf(probes);
    }

    public enum Kind implements Node.Labelled {
        MEMORY("memory"), COMM_BY_COLLECTIVE("comm-by-collective"), COMM_BY_TIER("comm-by-tier"), STEP_TIME("step-time"),
        BUBBLE("bubble"), GANTT("gantt"), ALL_REDUCE("all-reduce"), SWEEP("sweep");
        private final String label;
        Kind(String label) { this.label = label; }
        @Override public String label() { return label; }
    }
}

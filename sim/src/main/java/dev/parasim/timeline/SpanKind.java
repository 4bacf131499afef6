package dev.parasim.timeline;

/** What a span of a timeline is doing. */
public enum SpanKind {
    FORWARD, BACKWARD_INPUT, BACKWARD_WEIGHT, BACKWARD, OPTIMIZER, PP_SEND, TP_COMM, CP_COMM, DP_COMM, EP_COMM;

    public boolean isCompute() {
        return this == FORWARD || this == BACKWARD_INPUT || this == BACKWARD_WEIGHT || this == BACKWARD || this == OPTIMIZER;
    }
}

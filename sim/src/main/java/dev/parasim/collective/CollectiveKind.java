package dev.parasim.collective;

/** The communication operations a step program may contain; the JSON names are the labels. */
public enum CollectiveKind {
    ALL_REDUCE("allReduce"),
    REDUCE_SCATTER("reduceScatter"),
    ALL_GATHER("allGather"),
    SEND_RECV("sendRecv"),
    ALL_TO_ALL("allToAll"),
    BROADCAST("broadcast");

    private final String label;

    CollectiveKind(String label) { this.label = label; }

    public String label() { return label; }

    /**
     * {@return busbw / algbw for an n-rank group} (NCCL nccl-tests doc/PERFORMANCE.md): AllReduce
     * 2(n−1)/n; ReduceScatter, AllGather and AllToAll (n−1)/n; Broadcast and Send/Recv 1.
     */
    public double busBandwidthFactor(int n) {
        return switch (this) {
            case ALL_REDUCE -> 2.0 * (n - 1) / n;
            case REDUCE_SCATTER, ALL_GATHER, ALL_TO_ALL -> (double) (n - 1) / n;
            case BROADCAST, SEND_RECV -> 1.0;
        };
    }
}

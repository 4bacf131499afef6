package dev.parasim.exec.model;

import dev.parasim.collective.CollectiveKind;

/**
 * One collective a tensor-parallel rank group runs: where, which kind and reduction, and its size
 * {@code elements} S — the per-rank buffer of an AllReduce, the gathered output of an AllGather, the
 * per-rank input of a ReduceScatter.
 */
record TpCollective(Scope scope, String point, CollectiveKind kind, ReduceOp op, long elements) {

    /** Which part of the model a collective belongs to. */
    public enum Scope { EMBEDDING, LAYER, HEAD, LOSS, PARAM_GRADS }

    /** The reduction of an AllReduce or ReduceScatter ({@code NONE} for an AllGather). */
    public enum ReduceOp { SUM, MAX, NONE }

    public TpCollective {
        if (elements < 1) throw new IllegalArgumentException("elements: must be positive, found " + elements);
        if ((kind == CollectiveKind.ALL_GATHER) != (op == ReduceOp.NONE))
            throw new IllegalArgumentException("op: must be NONE exactly for an AllGather, found " + op + " for " + kind);
    }

    /**
     * {@return elements each rank sends in a ring of t ranks, times t}: AllReduce 2(t−1)·S,
     * AllGather and ReduceScatter (t−1)·S (nccl-tests doc/PERFORMANCE.md, ring = 2(n−1) steps of S/n)
     */
    public long ringElementsTimesT(int t) {
        return switch (kind) {
            case ALL_REDUCE -> 2L * (t - 1) * elements;
            case ALL_GATHER, REDUCE_SCATTER -> (long) (t - 1) * elements;
            case SEND_RECV, ALL_TO_ALL, BROADCAST -> throw new IllegalStateException("kind: TP runs no " + kind);
        };
    }
}

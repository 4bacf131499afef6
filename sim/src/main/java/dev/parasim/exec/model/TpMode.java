package dev.parasim.exec.model;

import dev.parasim.collective.CollectiveKind;

/**
 * How a tensor-parallel group of t ranks holds the activations outside its column/row-parallel
 * regions. {@code TENSOR}: every rank holds all b·s rows (Shoeybi et al. 2019 §3); {@code SEQUENCE}:
 * rank r holds tokens [r·s/t, (r+1)·s/t) of every sequence (Korthikanti et al. 2022 §4.2.2).
 */
public enum TpMode {
    TENSOR,
    SEQUENCE;

    /**
     * {@return the collective on the [b·s, h] partial output of a row-parallel layer} — the g operator
     * forward: AllReduce (Shoeybi et al. 2019 §3, Fig. 4) or ReduceScatter (Korthikanti et al. 2022 §4.2.2).
     * The same kind runs backward on the input gradient of a column-parallel region (the f operator).
     */
    public CollectiveKind reduceKind() {
        return switch (this) {
            case TENSOR -> CollectiveKind.ALL_REDUCE;
            case SEQUENCE -> CollectiveKind.REDUCE_SCATTER;
        };
    }

    /**
     * {@return whether a local [b·s/t, h] tensor must be AllGathered before a column-parallel layer
     * (forward) or row-parallel backward} — true only under sequence parallelism (Korthikanti et al.
     * 2022 §4.2.2, the conjugate of the ReduceScatter); under plain TP that step is the identity.
     */
    public boolean gathers() {
        return switch (this) {
            case TENSOR -> false;
            case SEQUENCE -> true;
        };
    }
}

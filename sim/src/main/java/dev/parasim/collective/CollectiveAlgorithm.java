package dev.parasim.collective;

/** How a collective is carried out, independent of the links it runs on. */
public enum CollectiveAlgorithm {
    /** Ring: n−1 (or 2(n−1) for AllReduce) rounds of S/n per rank; bandwidth-optimal. */
    RING,
    /** Recursive halving-doubling AllReduce: log₂ n rounds each way, halving the payload each round. */
    HALVING_DOUBLING,
    /** Two levels: ring inside each node, ring across nodes on 1/k of the data, ring inside again. */
    HIERARCHICAL
}

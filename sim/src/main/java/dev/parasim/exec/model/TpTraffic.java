package dev.parasim.exec.model;

import dev.parasim.collective.CollectiveKind;

import java.util.ArrayList;
import java.util.List;

/** The collectives one micro-batch (plus the per-step gradient AllReduce) of a TP group ran, in order. */
final class TpTraffic {
    private final int t;
    private final List<TpCollective> collectives = new ArrayList<>();

    /** An empty ledger for a group of t ranks. */
    public TpTraffic(int t) {
        if (t < 1) throw new IllegalArgumentException("t: must be positive, found " + t);
        this.t = t;
    }

    void add(TpCollective c) { collectives.add(c); }

    /** {@return every collective, in the order run} */
    public List<TpCollective> collectives() { return List.copyOf(collectives); }

    /** {@return how many collectives of {@code kind} ran in {@code scope}} */
    public long count(TpCollective.Scope scope, CollectiveKind kind) {
        return collectives.stream().filter(c -> c.scope() == scope && c.kind() == kind).count();
    }

    /** {@return Σ S over the collectives of {@code kind} in {@code scope}} */
    public long elements(TpCollective.Scope scope, CollectiveKind kind) {
        return collectives.stream().filter(c -> c.scope() == scope && c.kind() == kind).mapToLong(TpCollective::elements).sum();
    }

    /**
     * {@return ring elements each rank sends for {@code scope}, times t} (exact in integers); for
     * LAYER it is t·8·b·s·h·(t−1)/t per layer (Narayanan et al. 2021 §3.2), with or without SP.
     */
    public long ringElementsTimesT(TpCollective.Scope scope) {
        return collectives.stream().filter(c -> c.scope() == scope).mapToLong(c -> c.ringElementsTimesT(t)).sum();
    }

    /** {@return ring elements each rank sends for {@code scope}} */
    public double ringElementsPerRank(TpCollective.Scope scope) { return (double) ringElementsTimesT(scope) / t; }
}

package dev.parasim.teach;

/** What a probe computes, in a few words (shown beside its value in {@code sim explain} and the book). */
public final class ProbeText {
    private ProbeText() {}

    /** {@return a short description of {@code probe}} */
    public static String describe(Probe probe) {
        if (probe instanceof Probe.Memory p)
            return "memory: " + p.part().label() + (p.stage() >= 0 ? " on stage " + p.stage() : "") + " per GPU, plan " + p.plan();
        if (probe instanceof Probe.Comm p)
            return "bytes sent per GPU per step: " + p.collective().label() + (p.tier() != null ? " on " + p.tier() : "") + ", plan " + p.plan();
        if (probe instanceof Probe.Time p) return "step time: " + p.part().label() + ", plan " + p.plan();
        if (probe instanceof Probe.Throughput p) return p.metric().label() + ", plan " + p.plan();
        if (probe instanceof Probe.Fact p) return p.fact().label() + " of the setup";
        if (probe instanceof Probe.PlanFact p) return p.fact().label() + ", plan " + p.plan();
        if (probe instanceof Probe.LayerActivations p) return "activation bytes per layer per micro-batch, plan " + p.plan();
        if (probe instanceof Probe.Collective p)
            return String.format(java.util.Locale.ROOT, "%s of %s on %d GPUs: %s", p.kind().label(),
                    dev.parasim.report.Units.bytes(p.bytes()), p.ranks(), p.measure().label());
        if (probe instanceof Probe.MaxMicroBatch p) return "largest micro-batch that fits, plan " + p.plan();
        if (probe instanceof Probe.WhatIf p) return describe(p.probe()) + ", with " + String.join(", ", p.set());
        if (probe instanceof Probe.Ratio p) return p.of() + " / " + p.to();
        if (probe instanceof Probe.Difference p) return p.of() + " − " + p.minus();
        throw new IllegalStateException("unknown probe " + probe);
    }
}

package dev.parasim.spec;

/**
 * One level of the network: per-GPU, per-direction bandwidth, per-message latency and the fraction
 * of line rate a collective achieves (measured busbw / line rate, see links.csv).
 */
public record LinkTier(String name, TierScope scope, double bandwidthGBps, double latencyUs, double efficiency) {

    public LinkTier {
        Check.name("name", name);
        if (scope == null) throw new SpecException("scope", "is required", null);
        Check.positive("bandwidthGBps", bandwidthGBps);
        Check.nonNegative("latencyUs", latencyUs);
        Check.fraction("efficiency", efficiency);
    }

    /** {@return achievable bytes per second: line rate times efficiency} */
    public double effectiveBytesPerSecond() { return bandwidthGBps * 1e9 * efficiency; }

    public double latencySeconds() { return latencyUs * 1e-6; }
}

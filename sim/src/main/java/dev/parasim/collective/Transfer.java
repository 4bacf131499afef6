package dev.parasim.collective;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.DoubleStream;

/**
 * What one collective costs one GPU: bytes it sends on each link tier and the seconds it takes.
 * Bytes are what the GPU puts on the wire (ring sends equal receives).
 *
 * <p>A collective runs on the node tier, the cluster tier or both ({@link CollectiveCost}), so a transfer holds at most
 * two tiers, in fields sorted by name: every consumer iterates them in the same order on every run, and a sweep, which
 * builds and sums several transfers per plan, allocates no map, no boxed byte count and no iterator for them.
 */
public final class Transfer {
    private final String tier0, tier1;   // tier1 is null below two tiers, tier0 too for none
    private final double bytes0, bytes1;
    private final double seconds;

    public static final Transfer NONE = new Transfer(null, 0, null, 0, 0);

    private Transfer(String tier0, double bytes0, String tier1, double bytes1, double seconds) {
        this.tier0 = tier0;
        this.bytes0 = bytes0;
        this.tier1 = tier1;
        this.bytes1 = bytes1;
        this.seconds = seconds;
    }

    /** {@return {@code bytes} on {@code tier} taking {@code seconds}} */
    public static Transfer on(String tier, double bytes, double seconds) {
        return new Transfer(Objects.requireNonNull(tier, "tier"), bytes, null, 0, seconds);
    }

    public double seconds() { return seconds; }

    /** {@return how many link tiers this transfer uses} (0–2) */
    public int tiers() { return tier0 == null ? 0 : tier1 == null ? 1 : 2; }

    /** {@return the name of tier {@code i}} in name order, {@code i < tiers()} */
    public String tier(int i) {
        String tier = i == 0 ? tier0 : i == 1 ? tier1 : null;
        if (tier == null) throw new IndexOutOfBoundsException("tier " + i + " of a transfer on " + tiers() + " tiers");
        return tier;
    }

    /** {@return the bytes on tier {@code i}}, {@code i < tiers()} */
    public double bytesOn(int i) {
        tier(i);
        return i == 0 ? bytes0 : bytes1;
    }

    /** {@return the bytes per tier, in name order} */
    public Map<String, Double> bytesByTier() {
        Map<String, Double> tiers = new TreeMap<>();
        for (int i = 0; i < tiers(); i++) tiers.put(tier(i), bytesOn(i));
        return java.util.Collections.unmodifiableMap(tiers);
    }

    public double bytes() {
        // One tier is its own sum; two go through the stream's compensated sum, as they always did.
        return switch (tiers()) {
            case 0 -> 0;
            case 1 -> bytes0;
            default -> DoubleStream.of(bytes0, bytes1).sum();
        };
    }

    /** {@return this transfer followed by {@code o}: seconds and per-tier bytes added} */
    public Transfer plus(Transfer o) {
        return new Sum().add(this).add(o).total();
    }

    /**
     * Transfers added one after another, per tier and seconds in order (each tier's bytes as {@code sum + next}): what a
     * stage's per-unit collectives sum into.
     */
    public static final class Sum {
        private String tier0, tier1;
        private double bytes0, bytes1, seconds;

        public Sum add(Transfer t) {
            if (t.tier0 != null) add(t.tier0, t.bytes0);
            if (t.tier1 != null) add(t.tier1, t.bytes1);
            seconds += t.seconds;
            return this;
        }

        private void add(String tier, double bytes) {
            if (tier.equals(tier0)) bytes0 += bytes;
            else if (tier.equals(tier1)) bytes1 += bytes;
            else if (tier0 == null) {
                tier0 = tier;
                bytes0 = bytes;
            } else if (tier1 == null) {
                tier1 = tier;
                bytes1 = bytes;
            } else throw new IllegalStateException("a transfer runs on at most two link tiers (" + tier0 + ", " + tier1
                    + "), not also on " + tier);
        }

        public Transfer total() {
            if (tier1 != null && tier1.compareTo(tier0) < 0) return new Transfer(tier1, bytes1, tier0, bytes0, seconds);
            return new Transfer(tier0, bytes0, tier1, bytes1, seconds);
        }
    }

    /** {@return the same bytes taking {@code seconds}} */
    public Transfer withSeconds(double seconds) {
        return new Transfer(tier0, bytes0, tier1, bytes1, seconds);
    }

    /** {@return this transfer repeated {@code times} (same bytes and time each)} */
    public Transfer times(double times) {
        return new Transfer(tier0, bytes0 * times, tier1, bytes1 * times, seconds * times);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Transfer t && Objects.equals(tier0, t.tier0) && Objects.equals(tier1, t.tier1)
                && Double.compare(bytes0, t.bytes0) == 0 && Double.compare(bytes1, t.bytes1) == 0
                && Double.compare(seconds, t.seconds) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(tier0, bytes0, tier1, bytes1, seconds);
    }

    @Override
    public String toString() {
        return "Transfer[bytesByTier=" + bytesByTier() + ", seconds=" + seconds + "]";
    }
}

package dev.parasim.exec;

import java.io.Serializable;

/** Live tensor bytes of one rank by {@link MemCategory}, with the peak per category and of the total. */
final class MemoryMeter implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int N = MemCategory.values().length;

    private final long[] live = new long[N];
    private final long[] peak = new long[N];
    private long liveTotal;
    private long peakTotal;

    public void alloc(MemCategory c, long bytes) {
        live[c.ordinal()] += bytes;
        liveTotal += bytes;
        peak[c.ordinal()] = Math.max(peak[c.ordinal()], live[c.ordinal()]);
        peakTotal = Math.max(peakTotal, liveTotal);
    }

    public void free(MemCategory c, long bytes) {
        if (bytes > live[c.ordinal()])
            throw new IllegalStateException("freeing " + bytes + " B of " + c.label() + " but only " + live[c.ordinal()] + " B live");
        live[c.ordinal()] -= bytes;
        liveTotal -= bytes;
    }

    /** Starts a new peak window: peaks restart from what is live now. */
    public void resetPeaks() {
        System.arraycopy(live, 0, peak, 0, N);
        peakTotal = liveTotal;
    }

    public long live(MemCategory c) { return live[c.ordinal()]; }

    public long peak(MemCategory c) { return peak[c.ordinal()]; }

    public long liveTotal() { return liveTotal; }

    public long peakTotal() { return peakTotal; }
}

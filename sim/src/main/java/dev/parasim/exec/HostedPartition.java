package dev.parasim.exec;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The ranks one partition of a {@link Backend} hosts, with the messages they sent in the last superstep:
 * those for ranks of this partition wait here (an in-memory exchange), the others are handed to the
 * backend's transport (Spark's shuffle, or a direct hand-over in process). A generation number guards
 * against a recomputed partition replaying a superstep on advanced state.
 */
public final class HostedPartition implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int partition;
    private final Topology topology;
    private final RankState[] ranks;
    private List<byte[]> local = new ArrayList<>();
    private List<byte[]> remote = new ArrayList<>();
    private int generation;
    /**
     * Per superstep of the current batch: [generation, cross-partition bytes sent, in-partition bytes sent, ranks still
     * busy, cross-partition messages sent].
     */
    private List<long[]> sentLog = new ArrayList<>();

    public HostedPartition(int partition, Topology topology, RankPrograms programs) {
        this.partition = partition;
        this.topology = topology;
        int first = partition * topology.ranksPerPartition();
        int last = Math.min(topology.world(), first + topology.ranksPerPartition());
        ranks = new RankState[last - first];
        for (int r = first; r < last; r++) ranks[r - first] = new RankState(r, topology, programs.of(r));
    }

    public RankState[] ranks() { return ranks; }

    /** {@return the cross-partition messages of the last superstep (each names its destination rank, {@link Wire#dst})} */
    public List<byte[]> outgoing() { return remote; }

    /**
     * Delivers last superstep's in-partition messages and {@code incoming} (cross-partition messages for
     * ranks of this partition) and runs every hosted rank up to its next communication round.
     */
    public HostedPartition superstep(int expectedGeneration, boolean startStep, boolean batchStart,
                                     Iterator<byte[]> incoming) {
        if (generation != expectedGeneration - 1)
            throw new IllegalStateException("partition " + partition + " is at superstep " + generation
                    + " but was asked for " + expectedGeneration + " (a lost partition cannot be replayed)");
        generation = expectedGeneration;
        Map<Integer, List<byte[]>> inbox = new HashMap<>();
        for (byte[] w : local) inbox.computeIfAbsent(Wire.dst(w), k -> new ArrayList<>()).add(w);
        while (incoming.hasNext()) {
            byte[] w = incoming.next();
            if (topology.partitionOf(Wire.dst(w)) != partition)
                throw new IllegalStateException("partition " + partition + " received a message for rank " + Wire.dst(w));
            inbox.computeIfAbsent(Wire.dst(w), k -> new ArrayList<>()).add(w);
        }
        local = new ArrayList<>();
        remote = new ArrayList<>();
        for (RankState rank : ranks) {
            if (startStep) rank.startStep();
            rank.run(inbox.getOrDefault(rank.rank(), List.of()));
            for (byte[] w : rank.drainOutbox())
                (topology.partitionOf(Wire.dst(w)) == partition ? local : remote).add(w);
        }
        long remoteBytes = 0;
        for (byte[] w : remote) remoteBytes += Wire.payload(w);
        long localBytes = 0;
        for (byte[] w : local) localBytes += Wire.payload(w);
        if (batchStart) sentLog = new ArrayList<>();
        sentLog.add(new long[] {generation, remoteBytes, localBytes, busy(), remote.size()});
        return this;
    }

    private long busy() {
        long busy = 0;
        for (RankState r : ranks) if (!r.done()) busy++;
        return busy;
    }

    /**
     * Runs the next superstep without a transport, as {@code Backend.runBatch} may when the last superstep was
     * expected to send nothing across partitions: fails if it did (the expectation came from the step before, whose
     * supersteps sent the same messages), so a superstep is never run without a message it should have received.
     */
    public HostedPartition quietSuperstep(int expectedGeneration, boolean startStep, boolean batchStart) {
        if (!remote.isEmpty())
            throw new IllegalStateException("partition " + partition + " sent " + remote.size() + " cross-partition messages in"
                    + " superstep " + generation + ", which the previous step's same superstep did not: the steps differ");
        return superstep(expectedGeneration, startStep, batchStart, java.util.Collections.emptyIterator());
    }

    /** Heap bytes allowed per rank beyond its metered buffers: its program, event log and bookkeeping. */
    private static final long RANK_OVERHEAD_BYTES = 256 << 10;

    /**
     * {@return about how many heap bytes this partition holds}: each rank's live metered memory (buffers; activations
     * are metered too, though ND4J holds them off the heap) plus {@value #RANK_OVERHEAD_BYTES} bytes, and the messages
     * it holds between supersteps (what a Spark block store sizes a cached partition by, without walking it)
     */
    public long heapBytes() {
        long bytes = 0;
        for (RankState r : ranks) bytes += r.memory().liveTotal() + RANK_OVERHEAD_BYTES;
        for (byte[] w : local) bytes += w.length;
        for (byte[] w : remote) bytes += w.length;
        return bytes;
    }

    /** Numbers per superstep in {@link #status}: generation, cross-partition bytes, in-partition bytes, busy ranks, cross-partition messages. */
    public static final int STATUS_FIELDS = 5;

    /**
     * {@return [ranks still in their step], then one [generation, cross-partition bytes, in-partition bytes, ranks
     * still busy after it, cross-partition messages] group ({@value #STATUS_FIELDS} numbers) per superstep of the last
     * batch, flattened}
     */
    public long[] status() {
        long[] out = new long[1 + STATUS_FIELDS * sentLog.size()];
        out[0] = busy();
        for (int i = 0; i < sentLog.size(); i++) System.arraycopy(sentLog.get(i), 0, out, 1 + STATUS_FIELDS * i, STATUS_FIELDS);
        return out;
    }
}

package dev.parasim.exec.spark;

import dev.parasim.exec.RankPrograms;
import dev.parasim.exec.RankState;
import dev.parasim.exec.Topology;
import dev.parasim.exec.Wire;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The ranks one Spark partition hosts, with the messages they sent in the last superstep: those for
 * ranks of this partition wait here (an in-memory exchange), the others are handed to Spark's shuffle.
 * A generation number guards against a recomputed partition replaying a superstep on advanced state.
 */
public final class HostedPartition implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int partition;
    private final Topology topology;
    private final RankState[] ranks;
    private List<byte[]> local = new ArrayList<>();
    private List<byte[]> remote = new ArrayList<>();
    private int generation;
    /** Per superstep of the current batch: [generation, cross-partition bytes sent, in-partition bytes sent, ranks still busy]. */
    private List<long[]> sentLog = new ArrayList<>();

    HostedPartition(int partition, Topology topology, RankPrograms programs) {
        this.partition = partition;
        this.topology = topology;
        int first = partition * topology.ranksPerPartition();
        int last = Math.min(topology.world(), first + topology.ranksPerPartition());
        ranks = new RankState[last - first];
        for (int r = first; r < last; r++) ranks[r - first] = new RankState(r, topology, programs.of(r));
    }

    public RankState[] ranks() { return ranks; }

    /** {@return the cross-partition messages of the last superstep, keyed by destination rank} */
    Iterator<Tuple2<Integer, byte[]>> outgoing() {
        List<Tuple2<Integer, byte[]>> out = new ArrayList<>(remote.size());
        for (byte[] w : remote) out.add(new Tuple2<>(Wire.dst(w), w));
        return out.iterator();
    }

    /** Delivers last superstep's messages and runs every hosted rank up to its next communication round. */
    HostedPartition superstep(int expectedGeneration, boolean startStep, boolean batchStart,
                              Iterator<Tuple2<Integer, byte[]>> incoming) {
        if (generation != expectedGeneration - 1)
            throw new IllegalStateException("partition " + partition + " is at superstep " + generation
                    + " but was asked for " + expectedGeneration + " (a lost partition cannot be replayed)");
        generation = expectedGeneration;
        Map<Integer, List<byte[]>> inbox = new HashMap<>();
        for (byte[] w : local) inbox.computeIfAbsent(Wire.dst(w), k -> new ArrayList<>()).add(w);
        while (incoming.hasNext()) {
            Tuple2<Integer, byte[]> m = incoming.next();
            inbox.computeIfAbsent(m._1(), k -> new ArrayList<>()).add(m._2());
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
        long busy = 0;
        for (RankState r : ranks) if (!r.done()) busy++;
        sentLog.add(new long[] {generation, remoteBytes, localBytes, busy});
        return this;
    }

    /**
     * {@return [ranks still in their step], then one [generation, cross-partition bytes, in-partition
     * bytes, ranks still busy after it] quadruple per superstep of the last batch, flattened}
     */
    long[] status() {
        long busy = 0;
        for (RankState r : ranks) if (!r.done()) busy++;
        long[] out = new long[1 + 4 * sentLog.size()];
        out[0] = busy;
        for (int i = 0; i < sentLog.size(); i++) System.arraycopy(sentLog.get(i), 0, out, 1 + 4 * i, 4);
        return out;
    }
}

package dev.parasim.exec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The backend without Spark: every partition lives in this JVM and a superstep hands each partition's
 * cross-partition messages straight to the partition of their destination rank. Partitions, supersteps,
 * counters and wire messages are the same as on Spark; like a Spark task, each partition gets its own
 * deserialized copy of the programs, so ranks of different partitions share no program object.
 */
public final class InProcessBackend extends Backend {
    private final HostedPartition[] partitions;

    public InProcessBackend(Topology topology, RankProgram program) {
        this(topology, RankPrograms.same(program, topology.world()));
    }

    /** A backend whose ranks may run different programs (pipeline stages). */
    public InProcessBackend(Topology topology, RankPrograms programs) {
        super(topology, programs);
        byte[] serialized = serialize(programs);
        partitions = new HostedPartition[topology.partitions()];
        for (int p = 0; p < partitions.length; p++)
            partitions[p] = new HostedPartition(p, topology, (RankPrograms) deserialize(serialized));
    }

    @Override
    protected long[] runBatch(int first, int count, boolean startStep, boolean[] quiet) {
        for (int i = 0; i < count; i++) {
            if (quiet[i]) {   // as Spark runs it: no hand-over, and a check that there was nothing to hand over
                for (HostedPartition h : partitions) h.quietSuperstep(first + i, startStep && i == 0, i == 0);
                continue;
            }
            List<List<byte[]>> inbound = new ArrayList<>(partitions.length);
            for (int p = 0; p < partitions.length; p++) inbound.add(new ArrayList<>());
            for (HostedPartition h : partitions)
                for (byte[] w : h.outgoing()) inbound.get(topology.partitionOf(Wire.dst(w))).add(w);
            for (int p = 0; p < partitions.length; p++)
                partitions[p].superstep(first + i, startStep && i == 0, i == 0, inbound.get(p).iterator());
        }
        List<long[]> statuses = new ArrayList<>(partitions.length);
        for (HostedPartition h : partitions) statuses.add(h.status());
        return merge(statuses);
    }

    @Override
    public <T> List<T> collect(RankQuery<T> q) {
        List<T> out = new ArrayList<>(topology.world());
        try {
            for (HostedPartition h : partitions) for (RankState r : h.ranks()) out.add(q.apply(r));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("rank query failed: " + e.getMessage(), e);
        }
        return out;
    }

    private static byte[] serialize(Object o) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException("programs must be serializable, as on Spark", e);
        }
        return bytes.toByteArray();
    }

    private static Object deserialize(byte[] bytes) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return in.readObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}

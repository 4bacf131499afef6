package dev.parasim.exec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * The backend without Spark: every partition lives in this JVM and a superstep hands each partition's
 * cross-partition messages straight to the partition of their destination rank. Partitions, supersteps,
 * counters and wire messages are the same as on Spark; like a Spark task, each partition gets its own
 * deserialized copy of the programs, so ranks of different partitions share no program object.
 */
public final class InProcessBackend extends Backend {
    private final HostedPartition[] partitions;
    /** Runs partitions other than the first during a superstep (null: all on the calling thread). */
    private final ExecutorService pool;

    public InProcessBackend(Topology topology, RankProgram program) {
        this(topology, RankPrograms.same(program, topology.world()));
    }

    /** A backend whose ranks may run different programs (pipeline stages). */
    public InProcessBackend(Topology topology, RankPrograms programs) {
        this(topology, programs, 1);
    }

    /**
     * A backend running a superstep's partitions on up to {@code threads} threads at once, as a Spark executor with
     * that many cores runs them (the partitions share nothing; messages are handed over between supersteps).
     */
    public InProcessBackend(Topology topology, RankPrograms programs, int threads) {
        super(topology, programs);
        byte[] serialized = serialize(programs);
        partitions = new HostedPartition[topology.partitions()];
        for (int p = 0; p < partitions.length; p++)
            partitions[p] = new HostedPartition(p, topology, (RankPrograms) deserialize(serialized));
        int helpers = Math.min(threads, partitions.length) - 1;
        pool = helpers < 1 ? null : Executors.newFixedThreadPool(helpers, r -> {
            Thread t = new Thread(r, "parasim-in-process-partition");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    protected long[] runBatch(int first, int count, boolean startStep, boolean[] quiet) {
        for (int i = 0; i < count; i++) {
            int gen = first + i;
            boolean start = startStep && i == 0, batchStart = i == 0;
            if (quiet[i]) {   // as Spark runs it: no hand-over, and a check that there was nothing to hand over
                eachPartition(p -> partitions[p].quietSuperstep(gen, start, batchStart));
                continue;
            }
            List<List<byte[]>> inbound = new ArrayList<>(partitions.length);
            for (int p = 0; p < partitions.length; p++) inbound.add(new ArrayList<>());
            for (HostedPartition h : partitions)
                for (byte[] w : h.outgoing()) inbound.get(topology.partitionOf(Wire.dst(w))).add(w);
            eachPartition(p -> partitions[p].superstep(gen, start, batchStart, inbound.get(p).iterator()));
        }
        List<long[]> statuses = new ArrayList<>(partitions.length);
        for (HostedPartition h : partitions) statuses.add(h.status());
        return merge(statuses);
    }

    /**
     * Runs {@code superstep} for every partition, on the pool's threads too if there is one, and waits for all; a
     * failure is rethrown as it was thrown, the lowest partition's first (the same one as without a pool).
     */
    private void eachPartition(IntConsumer superstep) {
        if (pool == null) {
            for (int p = 0; p < partitions.length; p++) superstep.accept(p);
            return;
        }
        List<Future<?>> running = new ArrayList<>();
        for (int p = 1; p < partitions.length; p++) {
            int partition = p;
            running.add(pool.submit(() -> superstep.accept(partition)));
        }
        RuntimeException failed = null;
        try {
            superstep.accept(0);
        } catch (RuntimeException e) {
            failed = e;
        }
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failed == null) failed = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failed == null) failed = new IllegalStateException("interrupted in a superstep", e);
            }
        }
        if (failed != null) throw failed;
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
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

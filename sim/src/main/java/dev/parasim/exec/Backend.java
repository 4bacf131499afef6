package dev.parasim.exec;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Hosts the ranks of a run in partitions ({@link HostedPartition}, {@link Topology#ranksPerPartition} ranks
 * each) and moves their messages between supersteps. One superstep delivers the previous superstep's
 * messages and runs every rank up to its next communication round. The step driver (batches, the
 * supersteps a step took, bytes sent per superstep) lives here once; a transport only runs a batch of
 * supersteps and reads results back: {@code exec.spark.SuperstepEngine} (Spark shuffles, for real runs)
 * or {@link InProcessBackend} (one JVM, messages handed over directly, for fast tests).
 */
public abstract class Backend implements AutoCloseable {
    /** Supersteps run as one batch (on Spark, chained into one job between local checkpoints). */
    public static final int BATCH = 16;
    /**
     * Supersteps run as one batch at most, quiet ones included: on Spark a batch is one chain of RDDs, and a task
     * deserializes its chain recursively (a chain of about 400 narrow maps overflowed a task thread's stack).
     */
    public static final int MAX_BATCH = 128;

    protected final Topology topology;
    protected final RankPrograms programs;
    private final List<Long> crossPartitionSent = new ArrayList<>(List.of(0L));
    private final List<Long> inPartitionSent = new ArrayList<>(List.of(0L));
    private int generation;
    private java.util.function.IntConsumer afterBatch = generation -> {};
    /** The first superstep of the current step after which no rank was busy (−1 until then). */
    private int firstIdle = -1;
    /** The superstep that started the current step (0 before the first step). */
    private int stepStart;
    /** Per superstep of the last whole step, by its place in the step: whether it sent no cross-partition message. */
    private boolean[] lastStepQuiet = new boolean[0];
    /** The same for the current step, as its supersteps run. */
    private final List<Boolean> stepQuiet = new ArrayList<>();
    /** Supersteps of the last step that moved messages through the transport (the others followed a quiet one). */
    private int lastStepRounds;
    private int stepRounds;

    protected Backend(Topology topology, RankPrograms programs) {
        this.topology = topology;
        this.programs = programs;
    }

    /** A query run on every rank where it is hosted; only its result travels (so it must be serializable). */
    @FunctionalInterface
    public interface RankQuery<T> extends Serializable {
        T apply(RankState rank) throws Exception;
    }

    /**
     * Runs supersteps {@code first} … {@code first + count − 1} (the first of them starts a step if
     * {@code startStep}); superstep {@code first + i} with {@code quiet[i]} follows one expected to send no
     * cross-partition message, so the transport may run it straight after that one, without moving messages
     * ({@link HostedPartition#quietSuperstep}, which fails if the expectation is wrong); {@return every partition's
     * {@link HostedPartition#status} for the batch, concatenated after one leading element: the busy ranks summed}
     */
    protected abstract long[] runBatch(int first, int count, boolean startStep, boolean[] quiet);

    /** {@return q applied to every rank, in rank order (results only: rank state stays where it is hosted)} */
    public abstract <T> List<T> collect(RankQuery<T> q);

    public Topology topology() { return topology; }

    /**
     * Runs one optimizer step: the programs' expected {@link RankPrograms#supersteps} supersteps, in
     * batches of at most {@value #BATCH} transport rounds and {@value #MAX_BATCH} supersteps, then further batches
     * of {@value #BATCH} while a rank is still inside its step
     * (ranks that wait for each other take longer than the estimate); {@return supersteps until every
     * rank had finished its step} (later supersteps of the last batch idle)
     */
    public final int runStep() {
        int expected = programs.supersteps();
        int limit = 4 * expected + 4 * BATCH;
        int start = generation;
        startStep(start);
        int done = 0;
        long busy = 1;
        while (busy > 0) {
            if (done >= limit)
                throw new IllegalStateException(busy + " ranks are still inside the step after " + done + " supersteps");
            int batch = done < expected ? batchBefore(start + done + 1, expected - done) : BATCH;
            busy = run(batch, done == 0);
            done += batch;
        }
        lastStepQuiet = new boolean[stepQuiet.size()];
        for (int i = 0; i < lastStepQuiet.length; i++) lastStepQuiet[i] = stepQuiet.get(i);
        lastStepRounds = stepRounds;
        return firstIdle - start;
    }

    /**
     * {@return how many supersteps from {@code first} (at most {@code left}, and {@value #MAX_BATCH}) make one batch}:
     * {@value #BATCH} that move messages, with any that follow a quiet one in between (they cost no round)
     */
    private int batchBefore(int first, int left) {
        int count = 0;
        for (int rounds = 0; count < Math.min(left, MAX_BATCH); count++)
            if (!quiet(first + count) && ++rounds > BATCH) break;
        return count;
    }

    /** {@return whether {@code superstep} of the current step follows one the last step's pattern says was quiet} */
    private boolean quiet(int superstep) {
        int previous = superstep - 1 - stepStart - 1;   // the previous superstep's place in the step
        return runsQuietSupersteps() && previous >= 0 && previous < lastStepQuiet.length && lastStepQuiet[previous];
    }

    /**
     * {@return whether this transport runs a superstep that follows a quiet one without moving messages} (both
     * transports do; a test's baseline that moves every superstep's messages says no)
     */
    protected boolean runsQuietSupersteps() { return true; }

    private void startStep(int start) {
        stepStart = start;
        firstIdle = -1;
        stepQuiet.clear();
        stepRounds = 0;
    }

    /**
     * {@return of the last step's supersteps (until every rank had finished it), how many moved messages through the
     * transport}: every rank runs the same program each step, so a superstep that sent nothing across partitions in one
     * step sends nothing in the next, and there the transport runs the following superstep in the same round (on
     * Spark, in the same task, without a shuffle). Without a pattern from a step before ({@link #expectQuiet})
     * the first step moves every superstep's messages; equal to {@link #runStep}'s supersteps then.
     */
    public final int lastStepRounds() { return lastStepRounds; }

    /** {@return per superstep of the last step, by its place in the step, whether it sent nothing across partitions} */
    public final boolean[] quietPattern() { return lastStepQuiet.clone(); }

    /**
     * Takes {@code pattern} ({@link #quietPattern} of a run of the same programs on the same partitions) as the last
     * step's, so that the next step, even a run's first, runs the supersteps after quiet ones without moving messages.
     */
    public final void expectQuiet(boolean[] pattern) { lastStepQuiet = pattern.clone(); }

    /** Runs one superstep (the first of a step if {@code startStep}); {@return how many ranks are still inside their step} */
    public final long superstep(boolean startStep) {
        if (startStep) startStep(generation);
        return run(1, startStep);
    }

    /** Calls {@code listener} with the superstep number after every batch of supersteps (progress lines). */
    public final void afterBatch(java.util.function.IntConsumer listener) { this.afterBatch = listener; }

    private long run(int count, boolean startStep) {
        int first = generation + 1;
        boolean[] quiet = new boolean[count];
        for (int i = 0; i < count; i++) quiet[i] = quiet(first + i);
        long[] status = runBatch(first, count, startStep, quiet);
        generation += count;
        afterBatch.accept(generation);
        int fields = HostedPartition.STATUS_FIELDS;
        Map<Integer, long[]> bySuperstep = new TreeMap<>();
        for (int i = 1; i + fields - 1 < status.length; i += fields)
            bySuperstep.merge((int) status[i], new long[] {status[i + 1], status[i + 2], status[i + 3], status[i + 4]},
                    (a, b) -> new long[] {a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]});
        bySuperstep.forEach((gen, v) -> {
            if (firstIdle < 0 && !quiet[gen - first]) stepRounds++;
            if (v[2] == 0 && firstIdle < 0) firstIdle = gen;
            stepQuiet.add(v[3] == 0);
        });
        bySuperstep.values().forEach(v -> {
            crossPartitionSent.add(v[0]);
            inPartitionSent.add(v[1]);
        });
        return status[0];
    }

    /** {@return partitions' statuses merged: busy ranks summed, superstep logs concatenated} */
    protected static long[] merge(List<long[]> parts) {
        int length = 1;
        for (long[] p : parts) length += p.length - 1;
        long[] out = new long[length];
        int at = 1;
        for (long[] p : parts) {
            out[0] += p[0];
            System.arraycopy(p, 1, out, at, p.length - 1);
            at += p.length - 1;
        }
        return out;
    }

    /** {@return counted cross-partition payload bytes by the superstep that sent them (index 0: before the first)} */
    public final List<Long> crossPartitionSentBySuperstep() { return List.copyOf(crossPartitionSent); }

    /** {@return counted in-partition payload bytes by the superstep that sent them (index 0: before the first)} */
    public final List<Long> inPartitionSentBySuperstep() { return List.copyOf(inPartitionSent); }

    /**
     * {@return bytes the transport itself moved for the messages sent after superstep {@code superstep}} (Spark's
     * shuffle-write bytes, headers and serialization included); 0 where messages are handed over in memory
     */
    public long transportBytesAfter(int superstep) { return 0; }

    /** {@return the current superstep number (0 before the first)} */
    public final int generation() { return generation; }

    @Override
    public void close() {}
}

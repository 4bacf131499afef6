package dev.parasim.exec;

import dev.parasim.collective.CollectiveKind;
import dev.parasim.program.ExecutedEvent;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Everything one simulated rank holds: named buffers (each metered under a {@link MemCategory}),
 * byte counters, its position in the step program, and the reports of finished steps. It lives in
 * a Spark partition for the whole run; messages reach it as wire byte arrays ({@link Wire}).
 */
public final class RankState implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int rank;
    private final Topology topology;
    private final RankProgram program;
    private final Map<String, Buf> buffers = new HashMap<>();
    private final Map<String, MemCategory> categories = new HashMap<>();
    private final MemoryMeter memory = new MemoryMeter();
    private final CommCounters counters = new CommCounters();
    private final List<StepReport> reports = new ArrayList<>();
    private final List<byte[]> outbox = new ArrayList<>();
    /** Delivered messages not yet taken: a message waits here until its op and round come up. */
    private final List<byte[]> mailbox = new ArrayList<>();
    private final List<ExecutedEvent> events = new ArrayList<>();
    private long sentInFlight;
    private long takenInFlight;
    private long sentAtOpStart;
    private int maxInFlight;
    private long residentActivationPeak;
    private int pc;
    private int opRound;
    private int step;
    /**
     * Strategy scratch that lives across ops of one step (a pipeline stage's live micro-batches, with their
     * activations, between supersteps: {@code PipelineStageState}). Transient: it lives only in the executor holding the
     * partition; a partition serialized mid-micro-batch fails loudly rather than silently recompute.
     */
    public transient Object scratch;
    private double stepLoss;

    public RankState(int rank, Topology topology, RankProgram program) {
        this.rank = rank;
        this.topology = topology;
        this.program = program;
        program.init(this);
        pc = program.ops().size();
    }

    public int rank() { return rank; }

    /** {@return ranks in this rank's data-parallel group} */
    public int groupSize() { return topology.grid().dp(); }

    /** {@return the members of this rank's group along {@code group}, in rank order} */
    public int[] group(RankGrid.Group group) { return topology.grid().members(group, rank); }

    /** {@return this rank's position in its group along {@code group}} */
    public int indexIn(RankGrid.Group group) { return topology.grid().indexIn(group, rank); }

    /** {@return this rank's data-parallel index (its shard of ZeRO-sharded state, its slice of the batch)} */
    public int dpIndex() { return topology.grid().dpIndex(rank); }

    /** {@return this rank's pipeline stage} */
    public int stage() { return topology.grid().stage(rank); }

    /** {@return the events of the last step, in program order} */
    public List<ExecutedEvent> events() { return events; }

    /** Notes the micro-batch chunks (and their activation bytes) a pipeline stage holds between two passes. */
    public void noteInFlight(int chunks, long bytes) {
        maxInFlight = Math.max(maxInFlight, chunks);
        residentActivationPeak = Math.max(residentActivationPeak, bytes);
    }

    /** {@return the most micro-batch chunks held between passes in the current (or last) step} */
    public int maxInFlight() { return maxInFlight; }

    /** {@return the most activation bytes held between passes in the current (or last) step} */
    public long residentActivationPeak() { return residentActivationPeak; }

    /** Records an event of the current step. */
    public void record(ExecutedEvent event) { events.add(event); }

    /** {@return payload bytes this rank has sent so far in the current step} */
    public long sentThisStep() { return counters.totalSent(); }

    /** {@return the op index the rank is at} */
    public int pc() { return pc; }

    /** {@return the round of the current op} */
    public int opRound() { return opRound; }

    public Topology topology() { return topology; }

    public RankProgram program() { return program; }

    public MemoryMeter memory() { return memory; }

    public int step() { return step; }

    public List<StepReport> reports() { return reports; }

    public boolean done() { return pc >= program.ops().size(); }

    // ---- buffers -------------------------------------------------------------------------------

    public Buf alloc(String name, MemCategory category, Dtype type, int length) {
        if (buffers.containsKey(name)) throw new IllegalStateException("rank " + rank + ": buffer " + name + " exists");
        Buf b = new Buf(type, length);
        buffers.put(name, b);
        categories.put(name, category);
        memory.alloc(category, b.bytes());
        return b;
    }

    public Buf buf(String name) {
        Buf b = buffers.get(name);
        if (b == null) throw new IllegalStateException("rank " + rank + ": no buffer " + name);
        return b;
    }

    public boolean has(String name) { return buffers.containsKey(name); }

    public void free(String name) {
        Buf b = buf(name);
        memory.free(categories.remove(name), b.bytes());
        buffers.remove(name);
    }

    /** Meters {@code bytes} of a non-buffer tensor (e.g. activations held by the model's tape). */
    public void meter(MemCategory category, long bytes) {
        if (bytes >= 0) memory.alloc(category, bytes);
        else memory.free(category, -bytes);
    }

    // ---- messages ------------------------------------------------------------------------------

    /** Sends {@code payloadBytes} bytes written by {@code writer} to rank {@code dst}, counted under {@code kind}. */
    public void send(int dst, CollectiveKind kind, int payloadBytes, Consumer<ByteBuffer> writer) {
        sendTagged(dst, kind, opRound, payloadBytes, writer);
    }

    /**
     * Sends like {@link #send} but labels the message with {@code tag} instead of the current round
     * (point-to-point ops that are not in lockstep, such as a pipeline's passes, match on the tag).
     */
    public void sendTagged(int dst, CollectiveKind kind, int tag, int payloadBytes, Consumer<ByteBuffer> writer) {
        byte[] wire = new byte[Wire.HEADER + payloadBytes];
        ByteBuffer out = ByteBuffer.wrap(wire).order(ByteOrder.LITTLE_ENDIAN);
        Wire.header(out, rank, dst, pc, tag, kind);
        writer.accept(out);
        if (out.position() != wire.length)
            throw new IllegalStateException("rank " + rank + ": wrote " + out.position() + " of " + wire.length + " bytes");
        counters.sent(kind, topology.tierIndex(rank, dst), topology.partitionOf(dst) != topology.partitionOf(rank), payloadBytes);
        memory.alloc(MemCategory.COMM_BUFFERS, payloadBytes);
        sentInFlight += payloadBytes;
        outbox.add(wire);
    }

    /** {@return the payload of the message from {@code src} sent in the previous round of the current op} */
    public ByteBuffer take(int src) {
        ByteBuffer payload = poll(src, opRound - 1);
        if (payload == null)
            throw new IllegalStateException("rank " + rank + " at op " + pc + " round " + opRound + ": no message from " + src);
        return payload;
    }

    /** {@return whether the message {@code src} sent with {@code tag} in the current op has arrived} */
    public boolean arrived(int src, int tag) { return find(src, tag) >= 0; }

    /** {@return the payload of the message {@code src} sent with {@code tag} in the current op, or null if it has not arrived} */
    public ByteBuffer poll(int src, int tag) {
        int i = find(src, tag);
        if (i < 0) return null;
        byte[] wire = mailbox.remove(i);
        int payload = wire.length - Wire.HEADER;
        counters.received(Wire.kind(wire), topology.tierIndex(src, rank),
                topology.partitionOf(src) != topology.partitionOf(rank), payload);
        memory.alloc(MemCategory.COMM_BUFFERS, payload);
        takenInFlight += payload;
        return ByteBuffer.wrap(wire, Wire.HEADER, payload).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private int find(int src, int tag) {
        for (int i = 0; i < mailbox.size(); i++) {
            byte[] wire = mailbox.get(i);
            if (Wire.src(wire) == src && Wire.op(wire) == pc && Wire.round(wire) == tag) return i;
        }
        return -1;
    }

    /** {@return the messages sent this superstep, and forgets them} */
    public List<byte[]> drainOutbox() {
        List<byte[]> out = new ArrayList<>(outbox);
        outbox.clear();
        return out;
    }

    // ---- interpreter ---------------------------------------------------------------------------

    /** Starts a step: the program counter returns to the first op. */
    public void startStep() {
        if (!done()) throw new IllegalStateException("rank " + rank + " is still in op " + pc);
        pc = 0;
        opRound = 0;
    }

    /**
     * Delivers {@code messages} and runs ops until one waits: for the next round's messages, or (if
     * {@link Op#ready} says so) for messages of a group member that is behind. Messages for later ops
     * wait in the mailbox; a message for an op the rank has finished is an error.
     */
    public void run(List<byte[]> messages) {
        memory.free(MemCategory.COMM_BUFFERS, sentInFlight);   // last superstep's sends have been delivered
        sentInFlight = 0;
        for (byte[] w : messages)
            if (Wire.op(w) < pc)
                throw new IllegalStateException("rank " + rank + ": a message from " + Wire.src(w) + " for op " + Wire.op(w)
                        + " round " + Wire.round(w) + " arrived after the op ended (at op " + pc + "): it is left unread");
        mailbox.addAll(messages);
        List<Op> ops = program.ops();
        while (pc < ops.size()) {
            Op op = ops.get(pc);
            if (!op.ready(this, opRound)) return;
            if (opRound == 0) sentAtOpStart = counters.totalSent();
            boolean complete = op.advance(this, opRound);
            memory.free(MemCategory.COMM_BUFFERS, takenInFlight);
            takenInFlight = 0;
            if (!complete) {
                opRound++;
                return;
            }
            for (byte[] w : mailbox)
                if (Wire.op(w) <= pc)
                    throw new IllegalStateException("rank " + rank + ": op " + pc + " (" + op + ") left a message from "
                            + Wire.src(w) + " for op " + Wire.op(w) + " round " + Wire.round(w) + " unread");
            if (op.collective() != null) events.add(Op.completed(op, counters.totalSent() - sentAtOpStart, opRound));
            pc++;
            opRound = 0;
        }
    }

    // ---- step bookkeeping (called by BEGIN/END ops) --------------------------------------------

    public void beginStep() {
        counters.reset();
        events.clear();
        maxInFlight = 0;
        residentActivationPeak = 0;
        memory.resetPeaks();
        stepLoss = 0;
    }

    public void addLoss(double loss) { stepLoss += loss; }

    public void endStep() {
        reports.add(new StepReport(step, counters.snapshot(rank, topology), MemorySnapshot.of(memory), stepLoss));
        step++;
    }
}

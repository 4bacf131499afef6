package dev.parasim.exec;

import dev.parasim.program.ExecutedEvent;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;

/**
 * A pipeline stage's boundary traffic: which rank feeds and which is fed (the rank of the same TP and DP
 * index on the previous or next stage, wrapping from the last stage to stage 0 between chunks), the tag
 * of each message (the receiver's pass), and how activations and their gradients are staged in the
 * working type: b·s·h elements whole on a plain stage, each TP rank's 1/t slice on a TP stage.
 */
final class PipelineLinks {
    private PipelineLinks() {}

    /** {@return the tag of the message feeding pass {@code pass} of micro-batch mb, chunk c on the receiver} */
    static int tag(Pass pass, int mb, int chunk, int chunks) {
        return ((mb * chunks + chunk) << 1) | (pass == Pass.F ? 0 : 1);
    }

    /** {@return the rank whose output feeds this rank's {@code pass}: the previous stage's for F, the next one's for B and BW} */
    static int source(RankState rank, StageLayout layout, Pass pass) {
        return peer(rank, sourceStage(layout, pass));
    }

    /** {@return the rank this rank's {@code pass} output goes to: the next stage's for F, the previous one's for B and BW} */
    static int destination(RankState rank, StageLayout layout, Pass pass) {
        return peer(rank, destinationStage(layout, pass));
    }

    /** {@return the stage whose output feeds {@code pass} on {@code layout}'s stage (the ring wraps for interleaved chunks)} */
    static int sourceStage(StageLayout layout, Pass pass) {
        int p = layout.pp(), s = layout.stage();
        return pass == Pass.F ? (s > 0 ? s - 1 : p - 1) : (s < p - 1 ? s + 1 : 0);
    }

    /** {@return the stage {@code pass}'s output on {@code layout}'s stage goes to} */
    static int destinationStage(StageLayout layout, Pass pass) {
        int p = layout.pp(), s = layout.stage();
        return pass == Pass.F ? (s < p - 1 ? s + 1 : 0) : (s > 0 ? s - 1 : p - 1);
    }

    /** {@return whether pass {@code pass} of chunk {@code chunk} receives its input from another stage: F past the first virtual stage, B and BW before the last} */
    static boolean receives(StageLayout layout, Pass pass, int chunk) {
        int virtual = layout.virtualStage(chunk), last = layout.pp() * layout.chunks() - 1;
        return switch (pass) {
            case F -> virtual > 0;
            case B, BW -> virtual < last;
            case W -> false;
        };
    }

    /** {@return whether pass {@code pass} of chunk {@code chunk} sends its output to another stage: F before the last virtual stage, B and BW past the first} */
    static boolean sends(StageLayout layout, Pass pass, int chunk) {
        int virtual = layout.virtualStage(chunk), last = layout.pp() * layout.chunks() - 1;
        return switch (pass) {
            case F -> virtual < last;
            case B, BW -> virtual > 0;
            case W -> false;
        };
    }

    /** {@return the chunk that receives chunk {@code chunk}'s {@code pass} output on the destination (the next chunk when it wraps)} */
    static int destinationChunk(StageLayout layout, Pass pass, int chunk) {
        if (pass == Pass.F) return layout.stage() < layout.pp() - 1 ? chunk : chunk + 1;
        return layout.stage() > 0 ? chunk : chunk - 1;
    }

    /** {@return bytes of one whole boundary message: b·s·h elements of the working type} */
    static int wireBytes(RankState rank) {
        StrategyProgram prog = program(rank);
        return prog.model.activationElements(prog.strategy.microBatch()) * prog.strategy.precision().working().bytes();
    }

    /** Sends a whole boundary tensor to {@code dst}, staged in the working type. */
    static void send(RankState rank, int dst, int tag, double[] values) {
        Buf staged = Buf.of(program(rank).strategy.precision().working(), values.length, values);
        rank.sendTagged(dst, CollectiveKind.SEND_RECV, tag, wireBytes(rank),
                out -> staged.encode(out, 0, values.length, values.length));
    }

    /** {@return a whole boundary tensor decoded from the working type} */
    static double[] decode(RankState rank, ByteBuffer in) {
        StrategyProgram prog = program(rank);
        int n = prog.model.activationElements(prog.strategy.microBatch());
        Buf b = new Buf(prog.strategy.precision().working(), n);
        b.decode(in, 0, n, n, false);
        return b.toDoubles(n);
    }

    /** Receives this TP rank's 1/t slice of the pass's input into its chunk of {@code tpx} (the TP group then AllGathers). */
    static void receiveSlice(RankState rank, StageLayout layout, Pass pass, int mb, int chunk, int r) {
        int from = source(rank, layout, pass);
        ByteBuffer in = rank.poll(from, tag(pass == Pass.F ? Pass.F : Pass.B, mb, chunk, layout.chunks()));
        if (in == null) throw new IllegalStateException("rank " + rank.rank() + ": no input for " + pass + mb + "." + chunk);
        Buf x = rank.buf("tpx");
        int t = program(rank).tp(), c = (x.length() + t - 1) / t;
        x.decode(in, r * c, c, x.length(), false);
        rank.record(ExecutedEvent.receive(pass, mb, chunk, (long) c * x.type().bytes(), from, rank.opRound()));
    }

    /**
     * Sends this TP rank's 1/t slice of {@code value} (b·s·h elements; under sequence parallelism, {@code local},
     * the rank's own b·s/t rows, sent whole) to the rank of the same TP index on the next (F) or previous stage.
     */
    static void sendSlice(RankState rank, StageLayout layout, Pass pass, int mb, int chunk, int r, INDArray value, boolean local) {
        boolean forward = pass == Pass.F;
        int to = destination(rank, layout, pass);
        int next = destinationChunk(layout, pass, chunk);
        double[] all = Nd4j.toFlattened('c', value).toDoubleVector();
        int t = program(rank).tp(), c = local ? all.length : (all.length + t - 1) / t, from = local ? 0 : r * c;
        Buf staged = Buf.of(program(rank).strategy.precision().working(), all.length, all);
        int bytes = c * staged.type().bytes();
        rank.sendTagged(to, CollectiveKind.SEND_RECV, tag(forward ? Pass.F : Pass.B, mb, next, layout.chunks()), bytes,
                out -> staged.encode(out, from, c, all.length));
        rank.record(ExecutedEvent.send(pass, mb, chunk, next, bytes, to, rank.opRound()));
    }

    private static int peer(RankState rank, int stage) {
        RankGrid grid = rank.topology().grid();
        return grid.rank(grid.tpIndex(rank.rank()), rank.dpIndex(), stage);
    }

    static StrategyProgram program(RankState rank) { return (StrategyProgram) rank.program(); }
}

package dev.parasim.exec;

import dev.parasim.exec.model.TpMode;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.program.schedule.PipelineOrder;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One stage's micro-batches of a step, run in the stage's pass order from
 * {@link PipelineOrder#of} (GPipe, 1F1B, interleaved 1F1B, ZB-H1): the executor's one micro-batch path, for every plan
 * (pp = 1 is a one-stage pipeline running 1F1B: forward and backward of each micro-batch in turn). Each call (one superstep) runs the
 * next pass if its input has arrived — a forward needs the previous virtual stage's activation, a
 * backward the next one's gradient — and sends its output at once: b·s·h elements of the working type
 * per boundary per micro-batch per direction, tagged with the receiver's pass ({@link PipelineLinks}).
 * A micro-batch's activations live from its forward to its backward (BW, or B under ZB-H1), so the
 * measured activation peak follows the schedule. Plain stages run {@link PlainStagePasses}, TP stages
 * {@link TpStageDriver}; the stage's state between supersteps is a {@link PipelineStageState}. ZB-H1's B computes
 * input gradients and the LayerNorm and embedding gradients, and keeps what the linear layers' weight
 * gradients need (each one's input and output gradient, the head's logit gradient and input: Qi et al.'s
 * M_W), metered as activations until its W computes them into the gradient buffers. Under ZeRO-2/3 a plain
 * stage's pass runs unit by unit between each unit's ZeRO ops, a TP stage's whole pass between the chunk's
 * ({@link ZeroPasses}), one collective round per superstep.
 */
final class PipelineOp implements Op {
    private static final long serialVersionUID = 1L;

    private final StageLayout layout;
    private final int microBatches;
    /** The stage's pass order, looked up again where the op runs (program.PassRef is not serializable). */
    private transient List<PassRef> order;

    private final int tp;
    private final TpMode tpMode;
    /** On a plain stage, the supersteps each pass takes at least, in pass order: one, plus its ZeRO ops' rounds. */
    private final int[] plainPassSupersteps;

    private PipelineOp(StageLayout layout, int microBatches, int tp, TpMode tpMode, int[] plainPassSupersteps) {
        this.layout = layout;
        this.microBatches = microBatches;
        this.tp = tp;
        this.tpMode = tpMode;
        this.plainPassSupersteps = plainPassSupersteps;
    }

    /**
     * {@return the passes of the ranks running {@code prog}}: on a TP group of {@code prog.tp()} ranks in its mode (each
     * pass then runs TP collectives; under SEQUENCE re-gathering the qkv/fc1 inputs in backward), else plain passes
     * between their ZeRO ops ({@link ZeroPasses#plain}), whose rounds go into the superstep estimate
     */
    static PipelineOp of(StrategyProgram prog) {
        int m = prog.strategy.microBatches();
        List<PassRef> order = order(prog.layout, m);
        if (prog.tp > 1) {
            // Every (pass, chunk) body mapped once now, so a program the passes do not fit fails when it is built.
            Set<PassRef> bodies = new HashSet<>();
            for (PassRef ref : order)
                if (bodies.add(new PassRef(ref.pass(), 0, ref.chunk()))) TpStageDriver.passOps(prog, ref);
            return new PipelineOp(prog.layout, m, prog.tp, prog.tpMode, null);
        }
        int[] supersteps = new int[order.size()];
        for (int i = 0; i < supersteps.length; i++) {
            supersteps[i] = 1;
            for (Op op : ZeroPasses.plain(prog, order.get(i))) supersteps[i] += op.rounds(prog.strategy.dp());
        }
        return new PipelineOp(prog.layout, m, prog.tp, prog.tpMode, supersteps);
    }

    /** {@return the stage's pass order} */
    public List<PassRef> order() {
        if (order == null) order = order(layout, microBatches);
        return order;
    }

    /** {@return the pass order of {@code layout}'s stage: its schedule's, one stage (pp = 1) running 1F1B} */
    private static List<PassRef> order(StageLayout layout, int microBatches) {
        return PipelineOrder.of(layout.pp() == 1 ? dev.parasim.spec.PipelineSchedule.ONE_F_ONE_B : layout.schedule(),
                layout.pp(), microBatches, layout.chunks()).get(layout.stage());
    }

    /**
     * {@return supersteps the op is expected to take}: one per pass plus the fill and drain of the
     * pipeline, 2(p − 1) (a lower bound when stages wait longer; the engine runs on until all finish)
     */
    @Override
    public int rounds(int n) {
        // A pass takes one superstep plus its collectives' rounds (a TP pass's ZeRO ops not counted); fill and drain take
        // 2(p − 1) of the longest.
        int total = 0, longest = 0;
        List<PassRef> order = order();
        for (int i = 0; i < order.size(); i++) {
            int pass = 1;
            if (plainPassSupersteps != null) pass = plainPassSupersteps[i];
            else for (Op op : TpStagePass.ops(order.get(i), layout, TpPassOps.of(null, order.get(i)), tp, tpMode, 1, 1)) pass += op.rounds(tp);
            total += pass;
            longest = Math.max(longest, pass);
        }
        return total + 2 * (layout.pp() - 1) * longest;
    }


    @Override
    public boolean advance(RankState rank, int round) {
        if (round == 0) rank.scratch = new PipelineStageState();
        PipelineStageState live = PipelineStageState.of(rank);
        List<PassRef> order = order();
        if (PipelineLinks.program(rank).tp() > 1) {
            if (!TpStageDriver.advance(rank, live, layout, order, tpMode, round)) return false;
            if (!live.tp.isEmpty() || !live.tpAwaitingWeights.isEmpty())
                throw new IllegalStateException("rank " + rank.rank() + ": micro-batches still live after the step: " + live.tp.keySet());
            rank.scratch = null;
            return true;
        }
        PassRef ref = order.get(live.next);
        live.round = round;
        if (live.inner == null) live.inner = new OpSequence(ZeroPasses.plain(PipelineLinks.program(rank), ref));
        if (!live.inner.run(rank, round)) return false;
        live.inner = null;
        live.next++;
        if (live.next < order.size()) return false;
        if (!live.passes.isEmpty() || !live.awaitingWeights.isEmpty() || !live.gradsAwaitingWeights.isEmpty())
            throw new IllegalStateException("rank " + rank.rank() + ": micro-batches still live after the step: " + live.passes.keySet());
        rank.scratch = null;
        return true;
    }
}

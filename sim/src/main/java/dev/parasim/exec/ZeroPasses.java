package dev.parasim.exec;

import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The ZeRO-2/3 ops around one pass of ranks whose micro-batches run as pipeline passes or tensor-parallel
 * phases (Rajbhandari et al. 2020 §5), over the local units the pass runs (c_u = ⌈Ψ_u/n⌉, P_u = n·c_u):
 * <ul>
 * <li>ZeRO-3: a forward (F) AllGathers its units' parameter shards into transient padded buffers
 *     {@code pg<u>} and frees them after; a backward (BW, or ZB-H1's B) gathers them again and frees them
 *     after. All units of a pass share one AllGather's rounds: (n−1)·Σc_u elements each time.</li>
 * <li>ZeRO-2 and 3: the pass that adds weight gradients (BW, or ZB-H1's W) adds them into transient padded
 *     buffers {@code gt<u>}, which are then ReduceScattered over the DP group and added into the rank's
 *     gradient shard {@code g<u>}: (n−1)·Σc_u elements per micro-batch. Under sequence parallelism the
 *     LayerNorm and wpe gradients, partial on each TP rank, are first sum-AllReduced over the TP group on
 *     {@code gt<u>} (every micro-batch: the shards they would be all-reduced on after the step do not hold them).</li>
 * </ul>
 * A pipeline stage's chunk gathers and reduces exactly its own units, so every unit is gathered twice and
 * reduced once per micro-batch, as {@code analytic.CommModel} counts.
 */
final class ZeroPasses {
    private ZeroPasses() {}

    /** {@return the ops that run before pass {@code pass} over local units {@code units}} */
    static List<Op> before(StrategyProgram prog, Pass pass, int[] units) {
        List<Op> out = new ArrayList<>();
        if (pass != Pass.W && prog.gathersParams()) gather(out, prog, units);
        if (addsWeightGrads(pass) && prog.shardsGrads())
            for (int u : units) out.add(StrategyStep.of(StrategyStep.Action.GRAD_BUFFER, u, -1));
        return out;
    }

    /** {@return the ops that run after pass {@code pass} over local units {@code units}} */
    static List<Op> after(StrategyProgram prog, Pass pass, int[] units) {
        List<Op> out = new ArrayList<>();
        if (pass != Pass.W && prog.gathersParams())
            for (int u : units) out.add(StrategyStep.of(StrategyStep.Action.RELEASE, u, -1));
        if (addsWeightGrads(pass) && prog.shardsGrads()) {
            if (prog.tp > 1) TpStagePass.partialGradSync(out, prog.tpMode, prog.tensorParallel().shards(), prog.layout, units, "gt");
            List<Seg> segs = new ArrayList<>();
            for (int u : units) segs.add(Seg.whole("gt" + u, prog.padded(u)));
            out.add(new RingReduceScatter(segs));
            for (int u : units) out.add(StrategyStep.of(StrategyStep.Action.ACCUMULATE, u, -1));
        }
        return out;
    }

    /** ZeRO-3: the AllGather of units' parameter shards into transient padded buffers, sharing rounds. */
    private static void gather(List<Op> out, StrategyProgram prog, int[] units) {
        List<Seg> segs = new ArrayList<>();
        for (int u : units) {
            out.add(StrategyStep.of(StrategyStep.Action.GATHER, u, -1));
            segs.add(Seg.whole("pg" + u, prog.padded(u)));
        }
        out.add(new RingAllGather(segs));
    }

    /** {@return the local units holding chunk {@code chunk}'s model units (the last one with the wte copy), in order} */
    static int[] localUnits(StageLayout layout, int chunk) {
        return java.util.Arrays.stream(layout.chunkUnits(chunk)).map(u -> layout.locate(u)[0]).distinct().toArray();
    }

    /** {@return every local unit of {@code layout}} */
    static int[] allUnits(StageLayout layout) {
        return java.util.stream.IntStream.range(0, layout.units().size()).toArray();
    }

    private static boolean addsWeightGrads(Pass pass) { return pass == Pass.BW || pass == Pass.W; }

    /**
     * One pipeline pass between its ZeRO ops, kept across supersteps (DDP and ZeRO-1: none): the ops before it
     * (they need no pipeline input, so ZeRO-3's gather runs while the input is on its way), the pass until it
     * is done, then the ops after it, each collective one round per superstep.
     */
    static final class Around {
        private final OpSequence before;
        private final OpSequence after;
        private boolean passed;

        private Around(OpSequence before, OpSequence after) {
            this.before = before;
            this.after = after;
        }

        /** {@return pass {@code ref} of a pipeline stage between its ZeRO ops} */
        static Around of(StrategyProgram prog, PassRef ref) {
            int[] units = localUnits(prog.layout, ref.chunk());
            return new Around(new OpSequence(before(prog, ref.pass(), units)), new OpSequence(after(prog, ref.pass(), units)));
        }

        /** Runs what can run this superstep; {@code pass} advances the pass (false: not done yet). {@return true when all is done} */
        boolean advance(RankState rank, int round, BooleanSupplier pass) {
            if (!passed) {
                if (!before.run(rank, round) || !pass.getAsBoolean()) return false;
                passed = true;
            }
            return after.run(rank, round);
        }
    }
}

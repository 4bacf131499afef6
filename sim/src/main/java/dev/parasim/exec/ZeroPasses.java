package dev.parasim.exec;

import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;

import java.util.ArrayList;
import java.util.List;

/**
 * The ZeRO-2/3 ops of one pass of ranks whose micro-batches run as pipeline passes or tensor-parallel
 * phases (Rajbhandari et al. 2020 §5), over the local units the pass runs (c_u = ⌈Ψ_u/n⌉, P_u = n·c_u):
 * <ul>
 * <li>ZeRO-3: a forward (F) AllGathers a unit's parameter shards into a transient padded buffer {@code pg<u>}
 *     and frees it after; a backward (BW, or ZB-H1's B) gathers it again and frees it after: (n−1)·c_u elements
 *     each time.</li>
 * <li>ZeRO-2 and 3: the pass that adds weight gradients (BW, or ZB-H1's W) adds a unit's into a transient padded
 *     buffer {@code gt<u>}, which is then ReduceScattered over the DP group and added into the rank's gradient
 *     shard {@code g<u>}: (n−1)·c_u elements per micro-batch. Under sequence parallelism the LayerNorm and wpe
 *     gradients, partial on each TP rank, are first sum-AllReduced over the TP group on {@code gt<u>} (every
 *     micro-batch: the shards they would be all-reduced on after the step do not hold them).</li>
 * </ul>
 * A plain stage ({@link #plain}) runs them unit by unit, as PyTorch FSDP with one wrapped unit per layer does (no
 * prefetch): gather u, compute u, free u, next unit; a backward's unit allocates its gradient, computes, and reduces
 * it before the next; each unit's ops start in a superstep of their own, so no ring chunk of one unit's collective is
 * live beside the next unit's buffers ({@code memory.PipelineUnitBuffers} charges exactly this). A TP stage runs them
 * unit by unit too, between the unit's TP phases ({@link TpPassOps}; on one stage, pp = 1, the tied head's unit 0 stays
 * gathered from the embedding to the head in F, and its gradient from the head's backward to the embedding's in BW).
 * Either way a chunk gathers and reduces exactly its own units, so every unit is gathered twice and reduced once per
 * micro-batch, as {@code analytic.CommModel} counts. The collectives themselves are the pass's step-program body's,
 * taken in its order by {@link PassOps}, which fails on any the pass has no place for.
 */
final class ZeroPasses {
    private ZeroPasses() {}

    /**
     * {@return the ops of plain (non-TP) pipeline pass {@code ref}}: without ZeRO ops around it (DDP, ZeRO-1, ZeRO-2's F
     * and B) the whole pass in one superstep; else its begin, each local unit between its ZeRO ops (forward order for
     * F, reverse for B, BW and W), then its end, each unit's ops starting in a superstep of their own. On a stage that
     * holds the whole model (pp = 1) the tied head reads unit 0, as on a one-stage TP pipeline ({@link TpStagePass}):
     * a forward keeps unit 0 gathered from the embedding to the head (one gather serving both of its uses, as PyTorch
     * FSDP's root unit is not resharded in between), a backward gathers it with the final norm's unit for the head's
     * backward and keeps its gradient from there to the embedding's backward, which needs no parameters; so unit 0 too
     * is gathered twice and reduced once per micro-batch.
     */
    static List<Op> plain(StrategyProgram prog, PassRef ref) {
        Pass pass = ref.pass();
        boolean gathers = pass != Pass.W && prog.gathersParams(), reduces = addsWeightGrads(pass) && prog.shardsGrads();
        PassOps ops = PassOps.of(prog, ref);
        ops.compute(localUnits(prog.layout, ref.chunk()));
        ops.links(prog.layout, prog.model.activationElements(prog.strategy.microBatch()));
        if (!gathers && !reduces) {
            ops.finish();
            return List.of(new PlainStagePasses.Whole(ref));
        }
        StageLayout layout = prog.layout;
        int c = ref.chunk();
        List<Op> out = new ArrayList<>();
        out.add(PlainStagePasses.Piece.begin(ref));
        if (PipelineLinks.receives(layout, ref.pass(), c)) out.add(new Yield());   // the received message is freed before the first unit's ops
        int[] units = localUnits(layout, c);
        boolean whole = layout.pp() * layout.chunks() == 1;
        int head = units.length - 1;
        for (int i = 0; i < units.length; i++) {
            int u = units[pass == Pass.F ? i : units.length - 1 - i];
            // With the whole model: unit 0 is opened by the forward's embedding and the backward's head, closed by the
            // forward's head (its parameters) and the backward's embedding (its gradient).
            int[] own = {u}, withTied = whole && u == head ? new int[] {u, 0} : own, none = {};
            boolean backward = pass != Pass.F;
            int[] open = whole && backward ? (u == 0 ? none : withTied) : own;
            int[] release = whole && u == 0 ? none : withTied;
            if (gathers && open.length > 0) ops.gather(out, open);
            if (reduces) for (int g : open) out.add(LocalOp.of(LocalOp.Action.GRAD_BUFFER, g));
            out.add(PlainStagePasses.Piece.unit(ref, layout.units().get(u).get(0).modelUnit()));
            if (gathers) ops.release(out, release);
            if (reduces) ops.reduce(out, own);
            out.add(new Yield());
        }
        out.add(PlainStagePasses.Piece.end(ref));
        ops.finish();
        return out;
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

    /** Ends the superstep: its first call waits, its second completes (what the rank received this superstep is then freed). */
    static final class Yield implements Op {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean advance(RankState rank, int round) { return round > 0; }

        @Override
        public int rounds(int n) { return 1; }

        @Override
        public String toString() { return "YIELD"; }
    }
}

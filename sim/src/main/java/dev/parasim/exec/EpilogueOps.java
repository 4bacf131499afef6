package dev.parasim.exec;

import dev.parasim.collective.Chunking;
import dev.parasim.program.Buffer;
import dev.parasim.program.Group;
import dev.parasim.program.Instruction;
import dev.parasim.spec.ZeroStage;

import java.util.ArrayList;
import java.util.List;

/**
 * Maps a stage's step-program epilogue ({@code program.StageProgram.epilogue}: SP partial-gradient sums, the
 * tied-embedding sync, the DP sync, the optimizer step, the ZeRO-1/2 parameter gather) onto the ops of one
 * {@link StrategyProgram}, so the executor's epilogue is the program's and not a second derivation of it.
 *
 * <p>A run of consecutive collective instructions of one kind, group and buffer kind becomes one ring op with one
 * segment per instruction, all sharing its rounds (DDP's buckets, ZeRO-1's units, SP's tensors); each instruction's
 * segment is the buffer region its typed reference names:
 * <ul>
 * <li>{@code GRADIENT_BUCKET}: the k-th bucket's padded staging buffer {@code bk<k>} (fp64 runs: see {@link #buckets});</li>
 * <li>{@code GRADIENTS}/{@code PARAMETERS} of unit u: the padded {@code g<u>}/{@code p<u>};</li>
 * <li>{@code TIED_GRADIENT}: the DP AllGather the tied unit's padded transient gradient {@code gt<u>}, the
 *     EMBEDDING AllReduce its wte region ({@link StageLayout#locate}, {@link StageLayout#headWeights});</li>
 * <li>{@code SP_PARTIAL_GRADIENT}: the k-th tensor of {@link TpPassOps#partialSegs} (the instruction carries only
 *     its length, and the program lists the tensors in the same order), in the accumulated {@code g<u>}.</li>
 * </ul>
 * Each segment's length is checked against the instruction's elements (the same, or padded to the group), so a
 * program the buffers do not fit fails here, when the program is built, not in a ring.
 *
 * <p>The program leaves out collectives on one-rank groups; the local ops that move data around the DP sync stay
 * anyway, since they hold memory the accountant charges: DDP stages its buckets ({@code STAGE_BUCKETS} and
 * {@code UNSTAGE_BUCKETS} around the bucket AllReduce, or before the optimizer with dp = 1), ZeRO-2/3 unshards the
 * tied unit's gradient around its sync ({@code UNSHARD_GRAD}, {@code RESHARD_GRAD}).
 */
final class EpilogueOps {
    private final StrategyProgram prog;
    private final List<Op> out = new ArrayList<>();
    /** whether DDP's buckets have been staged, and whether the tied unit's gradient is unsharded (ZeRO-2/3) */
    private boolean staged, unsharded;

    private EpilogueOps(StrategyProgram prog) { this.prog = prog; }

    /** {@return the ops of {@code epilogue}, the epilogue of {@code prog}'s stage in its step program} */
    static List<Op> of(StrategyProgram prog, List<Instruction> epilogue) {
        EpilogueOps ops = new EpilogueOps(prog);
        List<Instruction.Collective> run = new ArrayList<>();
        for (Instruction i : epilogue) {
            if (i instanceof Instruction.Collective c) {
                if (!run.isEmpty() && !sameRun(run.get(0), c)) ops.collectives(run);
                run.add(c);
                continue;
            }
            ops.collectives(run);
            if (!(i instanceof Instruction.OptimizerStep step))
                throw new IllegalStateException("an epilogue instruction the executor does not run: " + i);
            ops.optimizer(step);
        }
        ops.collectives(run);
        return ops.out;
    }

    private static boolean sameRun(Instruction.Collective a, Instruction.Collective b) {
        return a.kind() == b.kind() && a.group() == b.group() && a.buffer().kind() == b.buffer().kind();
    }

    /** The ring op of {@code run} (then cleared), between the local ops its buffers need. */
    private void collectives(List<Instruction.Collective> run) {
        if (run.isEmpty()) return;
        Instruction.Collective first = run.get(0);
        Buffer.Kind buffer = first.buffer().kind();
        boolean tied = buffer == Buffer.Kind.TIED_GRADIENT;
        int tiedUnit = tied ? tiedAt()[0] : -1;
        if (buffer == Buffer.Kind.GRADIENT_BUCKET) {
            out.add(LocalOp.of(LocalOp.Action.STAGE_BUCKETS));
            staged = true;
        }
        if (tied && prog.shardsGrads() && !unsharded) {
            out.add(LocalOp.of(LocalOp.Action.UNSHARD_GRAD, tiedUnit));
            unsharded = true;
        }
        List<Seg> segs = new ArrayList<>();
        List<Seg> partials = buffer == Buffer.Kind.SP_PARTIAL_GRADIENT
                ? TpPassOps.partialSegs(prog.tensorParallel().shards(), prog.layout, ZeroPasses.allUnits(prog.layout), "g")
                : List.of();
        if (buffer == Buffer.Kind.GRADIENT_BUCKET) segs.addAll(buckets(run));
        else for (int k = 0; k < run.size(); k++) segs.add(segment(run.get(k), k, partials));
        RankGrid.Group group = group(first);
        out.add(switch (first.kind()) {
            case ALL_REDUCE -> new RingAllReduce(segs, group);
            case REDUCE_SCATTER -> new RingReduceScatter(segs, group);
            case ALL_GATHER -> new RingAllGather(segs, group);
            default -> throw new IllegalStateException("an epilogue collective the executor does not run: " + first);
        });
        if (buffer == Buffer.Kind.GRADIENT_BUCKET) out.add(LocalOp.of(LocalOp.Action.UNSTAGE_BUCKETS));
        if (unsharded && first.group() == Group.EMBEDDING) {
            out.add(LocalOp.of(LocalOp.Action.RESHARD_GRAD, tiedUnit));
            unsharded = false;
        }
        run.clear();
    }

    /** Adam, after DDP's bucket copies if no bucket AllReduce staged them (one rank: the copies the accountant charges). */
    private void optimizer(Instruction.OptimizerStep step) {
        if (prog.strategy.zero() == ZeroStage.DDP && !staged) {
            out.add(LocalOp.of(LocalOp.Action.STAGE_BUCKETS));
            out.add(LocalOp.of(LocalOp.Action.UNSTAGE_BUCKETS));
            staged = true;
        }
        long owned = 0;
        for (int u = 0; u < prog.size.length; u++) owned += prog.strategy.zero() == ZeroStage.DDP ? prog.size[u] : prog.shard[u];
        check(step.elements() == owned, step, owned + " elements owned");
        out.add(LocalOp.of(LocalOp.Action.ADAM));
    }

    /** {@return the region of collective {@code c}, the k-th of its run, in the rank's buffers} */
    private Seg segment(Instruction.Collective c, int k, List<Seg> partials) {
        int n = prog.strategy.dp();
        return switch (c.buffer().kind()) {
            case GRADIENTS, PARAMETERS -> {
                int u = c.buffer().unit();
                check(Chunking.padded(c.elements(), n) == prog.padded(u), c, "unit " + u + " padded to " + prog.padded(u));
                yield Seg.whole((c.buffer().kind() == Buffer.Kind.GRADIENTS ? "g" : "p") + u, prog.padded(u));
            }
            case TIED_GRADIENT -> {
                int[] at = tiedAt();
                if (c.group() == Group.EMBEDDING) {
                    check(c.elements() == prog.layout.wteElements(), c, "wte of " + prog.layout.wteElements());
                    yield new Seg((prog.shardsGrads() ? "gt" : "g") + at[0], at[1], prog.layout.wteElements());
                }
                check(Chunking.padded(c.elements(), n) == prog.padded(at[0]), c, "unit " + at[0] + " padded to " + prog.padded(at[0]));
                yield Seg.whole("gt" + at[0], prog.padded(at[0]));
            }
            case SP_PARTIAL_GRADIENT -> {
                check(k < partials.size() && c.elements() == partials.get(k).length(), c,
                        "partial tensor " + k + (k < partials.size() ? " of " + partials.get(k).length() : " (none)"));
                yield partials.get(k);
            }
            default -> throw new IllegalStateException("an epilogue buffer the executor does not hold: " + c);
        };
    }

    /**
     * {@return the staging buffers {@code bk<k>} of the bucketed AllReduce {@code run}}, padded to the group: the
     * executor's buckets ({@link StrategyProgram#buckets}), cut from the same flat gradient at the same bucketMB in its
     * working element width — one for one with the instructions, except in fp64 exactness runs ({@code execute.fp64}),
     * whose 8-byte elements fill a bucket at half the count of the program's 4-byte gradients
     */
    private List<Seg> buckets(List<Instruction.Collective> run) {
        long total = 0, staged = 0;
        for (Instruction.Collective c : run) total += c.elements();
        for (int[] bucket : prog.buckets) staged += bucket[1];
        check(total == staged, run.get(0), "flat gradient of " + staged + " elements (the run's: " + total + ")");
        boolean sameWidth = run.get(0).elementBytes() == prog.strategy.precision().working().bytes();
        List<Seg> segs = new ArrayList<>();
        for (int k = 0; k < prog.buckets.size(); k++) {
            int length = prog.buckets.get(k)[1];
            if (sameWidth) check(k < run.size() && run.get(k).elements() == length, run.get(Math.min(k, run.size() - 1)),
                    "bucket " + k + " of " + length);
            segs.add(Seg.whole("bk" + k, (int) Chunking.padded(length, prog.strategy.dp())));
        }
        if (sameWidth) check(run.size() == prog.buckets.size(), run.get(0), prog.buckets.size() + " buckets");
        return segs;
    }

    /** {@return [local unit, offset] of the stage's tied wte: the embedding's on the first stage, the head's copy on the last} */
    private int[] tiedAt() {
        return prog.layout.first() ? prog.layout.locate(0) : prog.layout.headWeights();
    }

    private static RankGrid.Group group(Instruction.Collective c) {
        return switch (c.group()) {
            case DP -> RankGrid.Group.DP;
            case TP -> RankGrid.Group.TP;
            case EMBEDDING -> RankGrid.Group.EMBEDDING;
            case CP, EP, EXPERT_DP -> throw new IllegalStateException("executed runs have no " + c.group() + " group: " + c);
        };
    }

    private static void check(boolean fits, Instruction i, String buffer) {
        if (!fits) throw new IllegalStateException("the step program's " + i + " does not fit the executor's " + buffer);
    }
}

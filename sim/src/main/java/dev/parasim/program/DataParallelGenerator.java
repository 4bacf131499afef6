package dev.parasim.program;

import dev.parasim.program.schedule.Dependencies;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.program.schedule.PipelineOrder;
import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.spec.Precision;
import dev.parasim.spec.ZeroStage;

import static dev.parasim.program.StageBuilder.Closing.DATA_PARALLEL;
import static dev.parasim.program.StageBuilder.Closing.OPTIMIZER;
import static dev.parasim.program.StageBuilder.Closing.PARAMETER_GATHER;
import static dev.parasim.program.StageBuilder.Slot.GATHER;
import static dev.parasim.program.StageBuilder.Slot.REDUCE;
import static dev.parasim.program.StageBuilder.Slot.RELEASE;

/**
 * Data parallelism over the dp·cp ranks that hold the same parameters, as ZeRO stage 0–3 (Rajbhandari et al. 2020):
 * the persistent states each rank keeps (sharded buffers padded per unit to a multiple of n), and
 * <ul>
 * <li>DDP: gradients accumulate locally and are AllReduced once per step in buckets of {@code bucketMB} cut from
 *   the unpadded flat gradient;</li>
 * <li>ZeRO-1: one ReduceScatter per unit after the last backward, one AllGather of the updated parameters;</li>
 * <li>ZeRO-2: the pass that adds a chunk's weight gradients reduce-scatters them, every micro-batch;</li>
 * <li>ZeRO-3: as ZeRO-2, and a chunk's units are AllGathered before its forward and again before its backward
 *   (B under ZB-H1), held as buffers for the pass and released after it.</li>
 * </ul>
 * A pass lists its units' collectives in the order it visits the units — a forward first to last, a backward last to
 * first ({@link #backwardOrder}) — which is the order the executor runs them ({@code exec.PassOps} takes them from
 * here and fails on any it cannot place).
 * The optimizer updates what the rank owns: everything under DDP, its shard under ZeRO-1/2/3.
 */
final class DataParallelGenerator implements Generator {

    @Override
    public void generate(GeneratorContext c, StageBuilder b) {
        int n = c.plan().dp() * c.plan().cp();
        ZeroStage zero = c.plan().zero();
        Precision precision = c.precision();
        int paramBytes = precision.paramBytes(), gradBytes = precision.gradBytes();
        // Gradient collectives move the reduce dtype's width (fp32 under FSDP's reduce_dtype=float32; CommModel alike).
        int reduceBytes = c.e().training().gradReduceBytes();
        long k = precision.optimizerBytesPerParam(c.e().training().optimizer());
        long[] units = c.units();
        long owned = 0;
        for (int u = 0; u < units.length; u++) {
            long shard = Chunking.shard(units[u], n), padded = shard * n;
            long params = switch (zero) { case DDP -> units[u]; case OPTIMIZER, GRADIENTS -> padded; case PARAMETERS -> shard; };
            long grads = switch (zero) { case DDP -> units[u]; case OPTIMIZER -> padded; case GRADIENTS, PARAMETERS -> shard; };
            long states = zero == ZeroStage.DDP ? units[u] : shard;
            owned += states;
            b.prologue(new Instruction.Allocate(Buffer.of(Buffer.Kind.PARAMETERS, u), MemoryCategory.PARAMETERS, params * paramBytes));
            b.prologue(new Instruction.Allocate(Buffer.of(Buffer.Kind.GRADIENTS, u), MemoryCategory.GRADIENTS, grads * gradBytes));
            b.prologue(new Instruction.Allocate(Buffer.of(Buffer.Kind.OPTIMIZER_STATE, u), MemoryCategory.OPTIMIZER, states * k));
        }
        b.epilogue(OPTIMIZER, new Instruction.OptimizerStep(owned));
        if (n == 1) return;
        switch (zero) {
            case DDP -> {
                long total = 0;
                for (long u : units) total += u;
                long bucket = (long) Math.floor(c.e().training().bucketMB() * 1e6 / gradBytes);
                for (long start = 0; start < total; start += bucket)
                    b.epilogue(DATA_PARALLEL, collective(CollectiveKind.ALL_REDUCE, Buffer.of(Buffer.Kind.GRADIENT_BUCKET),
                            Math.min(bucket, total - start), reduceBytes, Overlap.BEHIND_LAST_BACKWARD));
            }
            case OPTIMIZER -> {
                for (int u = 0; u < units.length; u++) {
                    b.epilogue(DATA_PARALLEL, collective(CollectiveKind.REDUCE_SCATTER, Buffer.of(Buffer.Kind.GRADIENTS, u),
                            units[u], reduceBytes, Overlap.BEHIND_LAST_BACKWARD));
                    b.epilogue(PARAMETER_GATHER, gather(u, units[u], paramBytes, Overlap.BEHIND_NEXT_FORWARD));
                }
            }
            case GRADIENTS, PARAMETERS -> {
                for (int chunk = 0; chunk < c.v(); chunk++) {
                    for (int u : backwardOrder(c, chunk, false))
                        b.add(c.weightGradientPass(), chunk, REDUCE, collective(CollectiveKind.REDUCE_SCATTER,
                                Buffer.of(Buffer.Kind.GRADIENTS, u), units[u], reduceBytes, Overlap.BEHIND_PASS));
                    if (zero != ZeroStage.PARAMETERS) continue;
                    for (int u = c.firstUnit(chunk); u <= c.lastUnit(chunk); u++)
                        gatherForPass(b, Pass.F, chunk, u, units[u], n, paramBytes);
                    for (int u : backwardOrder(c, chunk, true))
                        gatherForPass(b, c.inputGradientPass(), chunk, u, units[u], n, paramBytes);
                }
                if (zero == ZeroStage.GRADIENTS)
                    for (int u = 0; u < units.length; u++)
                        b.epilogue(PARAMETER_GATHER, gather(u, units[u], paramBytes, Overlap.BEHIND_NEXT_FORWARD));
            }
        }
    }

    /**
     * {@return chunk {@code chunk}'s units in the order a backward visits them: the last first (ZeRO-3 gathers a unit's
     * parameters as the backward reaches it, Rajbhandari et al. 2020 §5)}; with {@code tiedHead} on a one-stage pipeline
     * of a model with tied embeddings, unit 0 moved up to right after the head's unit, whose backward reads the tied wte
     */
    static int[] backwardOrder(GeneratorContext c, int chunk, boolean tiedHead) {
        int first = c.firstUnit(chunk), last = c.lastUnit(chunk);
        boolean tied = tiedHead && c.p() * c.v() == 1 && c.model().tiedEmbeddings() && last > first;
        int[] order = new int[Math.max(0, last - first + 1)];
        if (order.length == 0) return order;
        int k = 0;
        order[k++] = last;
        if (tied) order[k++] = first;
        for (int u = last - 1; u >= (tied ? first + 1 : first); u--) order[k++] = u;
        return order;
    }

    /** ZeRO-3: unit {@code u} gathered whole into a transient buffer for one pass, and freed after it. */
    private static void gatherForPass(StageBuilder b, Pass pass, int chunk, int u, long elements, int n, int paramBytes) {
        Buffer gathered = Buffer.of(Buffer.Kind.GATHERED_PARAMETERS, u);
        b.add(pass, chunk, GATHER, new Instruction.Allocate(gathered, MemoryCategory.BUFFERS,
                Chunking.padded(elements, n) * paramBytes));
        b.add(pass, chunk, GATHER, new Instruction.Collective(CollectiveKind.ALL_GATHER, Group.DP, gathered, elements,
                paramBytes, Overlap.PREFETCHED));
        b.add(pass, chunk, RELEASE, new Instruction.Free(gathered));
    }

    private static Instruction.Collective collective(CollectiveKind kind, Buffer buffer, long elements, int bytes, Overlap overlap) {
        return new Instruction.Collective(kind, Group.DP, buffer, elements, bytes, overlap);
    }

    private static Instruction.Collective gather(int unit, long elements, int bytes, Overlap overlap) {
        return collective(CollectiveKind.ALL_GATHER, Buffer.of(Buffer.Kind.PARAMETERS, unit), elements, bytes, overlap);
    }
}

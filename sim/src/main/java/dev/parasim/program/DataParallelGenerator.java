package dev.parasim.program;

import dev.parasim.program.schedule.Dependencies;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.program.schedule.PipelineOrder;
import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.spec.Precision;
import dev.parasim.spec.ZeroStage;
import dev.parasim.workload.Parameters;

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
 * Under expert parallelism a unit's experts have dp·cp/ep replicas, not dp·cp: each unit's dense part runs all of the
 * above over the DP group and its experts' part over the expert-data-parallel group (Megatron-Core keeps expert
 * gradients in buffers of their own, reduced over that group), sharded and padded to that group's size.
 */
final class DataParallelGenerator implements Generator {

    @Override
    public void generate(GeneratorContext c, StageBuilder b) {
        int n = c.plan().dp() * c.plan().cp(), ne = c.plan().edp();
        ZeroStage zero = c.plan().zero();
        Precision precision = c.precision();
        int paramBytes = precision.paramBytes(), gradBytes = precision.gradBytes();
        // Gradient collectives move the reduce dtype's width (fp32 under FSDP's reduce_dtype=float32; CommModel alike).
        int reduceBytes = c.e().training().gradReduceBytes();
        long k = precision.optimizerBytesPerParam(c.e().training().optimizer());
        // Each unit's dense part has n replicas; under expert parallelism its experts have ne (all 0 when ep = 1).
        long[] units = c.units(), experts = c.expertUnits(), dense = Parameters.stageDenseUnits(c.model(), c.plan(), c.stage());
        long owned = 0;
        for (int u = 0; u < units.length; u++) {
            long[] d = states(zero, dense[u], n), x = states(zero, experts[u], ne);
            owned += d[2] + x[2];
            b.prologue(new Instruction.Allocate(Buffer.of(Buffer.Kind.PARAMETERS, u), MemoryCategory.PARAMETERS, (d[0] + x[0]) * paramBytes));
            b.prologue(new Instruction.Allocate(Buffer.of(Buffer.Kind.GRADIENTS, u), MemoryCategory.GRADIENTS, (d[1] + x[1]) * gradBytes));
            b.prologue(new Instruction.Allocate(Buffer.of(Buffer.Kind.OPTIMIZER_STATE, u), MemoryCategory.OPTIMIZER, (d[2] + x[2]) * k));
        }
        b.epilogue(OPTIMIZER, new Instruction.OptimizerStep(owned));
        if (n == 1) return;
        // The dense parts over the DP group, then (under expert parallelism) the experts over theirs.
        Part[] parts = {new Part(Group.DP, n, dense), new Part(Group.EXPERT_DP, ne, experts)};
        for (Part part : parts) {
            if (part.size() == 1 || Parameters.sum(part.elements()) == 0) continue;
            long[] elements = part.elements();
            switch (zero) {
                case DDP -> {
                    long total = Parameters.sum(elements);
                    long bucket = (long) Math.floor(c.e().training().bucketMB() * 1e6 / gradBytes);
                    for (long start = 0; start < total; start += bucket)
                        b.epilogue(DATA_PARALLEL, collective(CollectiveKind.ALL_REDUCE, part.group(), Buffer.of(Buffer.Kind.GRADIENT_BUCKET),
                                Math.min(bucket, total - start), reduceBytes, Overlap.BEHIND_LAST_BACKWARD));
                }
                case OPTIMIZER -> {
                    for (int u = 0; u < units.length; u++) {
                        if (elements[u] == 0) continue;
                        b.epilogue(DATA_PARALLEL, collective(CollectiveKind.REDUCE_SCATTER, part.group(), Buffer.of(Buffer.Kind.GRADIENTS, u),
                                elements[u], reduceBytes, Overlap.BEHIND_LAST_BACKWARD));
                        b.epilogue(PARAMETER_GATHER, gather(part.group(), u, elements[u], paramBytes, Overlap.BEHIND_NEXT_FORWARD));
                    }
                }
                case GRADIENTS, PARAMETERS -> {
                    for (int chunk = 0; chunk < c.v(); chunk++) {
                        for (int u : backwardOrder(c, chunk, false))
                            if (elements[u] > 0)
                                b.add(c.weightGradientPass(), chunk, REDUCE, collective(CollectiveKind.REDUCE_SCATTER, part.group(),
                                        Buffer.of(Buffer.Kind.GRADIENTS, u), elements[u], reduceBytes, Overlap.BEHIND_PASS));
                        if (zero != ZeroStage.PARAMETERS) continue;
                        for (int u = c.firstUnit(chunk); u <= c.lastUnit(chunk); u++)
                            if (elements[u] > 0) gatherForPass(b, Pass.F, chunk, part, u, paramBytes);
                        for (int u : backwardOrder(c, chunk, true))
                            if (elements[u] > 0) gatherForPass(b, c.inputGradientPass(), chunk, part, u, paramBytes);
                    }
                    if (zero == ZeroStage.GRADIENTS)
                        for (int u = 0; u < units.length; u++)
                            if (elements[u] > 0)
                                b.epilogue(PARAMETER_GATHER, gather(part.group(), u, elements[u], paramBytes, Overlap.BEHIND_NEXT_FORWARD));
                }
            }
        }
    }

    /** One replica group's share of the stage's units: the group, its size and each unit's elements in it. */
    private record Part(Group group, int size, long[] elements) {}

    /**
     * {@return the parameter, gradient and optimizer-state elements a rank keeps of {@code elements} replicated over a
     * group of n}: sharded buffers padded to a multiple of n, by ZeRO stage
     */
    private static long[] states(ZeroStage zero, long elements, int n) {
        long shard = Chunking.shard(elements, n), padded = shard * n;
        long params = switch (zero) { case DDP -> elements; case OPTIMIZER, GRADIENTS -> padded; case PARAMETERS -> shard; };
        long grads = switch (zero) { case DDP -> elements; case OPTIMIZER -> padded; case GRADIENTS, PARAMETERS -> shard; };
        return new long[] {params, grads, zero == ZeroStage.DDP ? elements : shard};
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

    /**
     * ZeRO-3: unit {@code u}'s part gathered whole over its group into a transient buffer for one pass, and freed after
     * it (the experts' part, under expert parallelism, into a buffer of its own).
     */
    private static void gatherForPass(StageBuilder b, Pass pass, int chunk, Part part, int u, int paramBytes) {
        long elements = part.elements()[u];
        Buffer gathered = Buffer.of(part.group() == Group.DP ? Buffer.Kind.GATHERED_PARAMETERS : Buffer.Kind.GATHERED_EXPERT_PARAMETERS, u);
        b.add(pass, chunk, GATHER, new Instruction.Allocate(gathered, MemoryCategory.BUFFERS,
                Chunking.padded(elements, part.size()) * paramBytes));
        b.add(pass, chunk, GATHER, new Instruction.Collective(CollectiveKind.ALL_GATHER, part.group(), gathered, elements,
                paramBytes, Overlap.PREFETCHED));
        b.add(pass, chunk, RELEASE, new Instruction.Free(gathered));
    }

    private static Instruction.Collective collective(CollectiveKind kind, Group group, Buffer buffer, long elements, int bytes,
                                                     Overlap overlap) {
        return new Instruction.Collective(kind, group, buffer, elements, bytes, overlap);
    }

    private static Instruction.Collective gather(Group group, int unit, long elements, int bytes, Overlap overlap) {
        return collective(CollectiveKind.ALL_GATHER, group, Buffer.of(Buffer.Kind.PARAMETERS, unit), elements, bytes, overlap);
    }
}

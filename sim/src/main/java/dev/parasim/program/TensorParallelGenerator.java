package dev.parasim.program;

import dev.parasim.program.schedule.Dependencies;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.program.schedule.PipelineOrder;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.Recompute;
import dev.parasim.workload.Parameters;

import static dev.parasim.collective.CollectiveKind.ALL_GATHER;
import static dev.parasim.collective.CollectiveKind.ALL_REDUCE;
import static dev.parasim.collective.CollectiveKind.REDUCE_SCATTER;
import static dev.parasim.program.StageBuilder.Slot.INSIDE;
import static dev.parasim.program.StageBuilder.Slot.REDUCE;

/**
 * Megatron tensor parallelism (Narayanan et al. 2021 §3.2), the one copy of its collective order: per layer the
 * attention and MLP blocks' g operators AllReduce b·s·h elements twice in the forward and twice in the backward
 * (full recompute repeats the forward pair in the backward); the embedding's lookup AllReduces once forward, the
 * head's input gradient once backward, and the vocabulary-parallel cross-entropy AllReduces three fp32 values per
 * token. With sequence parallelism (Korthikanti et al. 2022 §4.2) each AllReduce becomes a ReduceScatter leaving a
 * block and an AllGather entering one (backward swapped), qkv and fc1 AllGather their local input again in the
 * backward (§4.2.3), the head AllGathers its input, and the norms' (and GPT's wpe) gradients, partial on each rank, are
 * sum-AllReduced over TP — once per step, or under ZeRO-2/3 after every micro-batch before its ReduceScatter
 * (§4.2.2). All TP collectives are on their pass's critical path.
 */
final class TensorParallelGenerator implements Generator {

    @Override
    public void generate(GeneratorContext c, StageBuilder b) {
        int t = c.plan().tp();
        if (t == 1) return;
        ModelSpec m = c.model();
        int width = c.precision().activationBytes(), gradBytes = c.precision().gradBytes();
        long e = c.tokens() * m.hidden();
        boolean sp = c.plan().sequenceParallel(), full = c.e().training().recompute() == Recompute.FULL;
        Pass forward = Pass.F, backward = c.inputGradientPass();
        for (int chunk = 0; chunk < c.v(); chunk++) {
            int layers = c.layers(chunk);
            // Forward, in the order it runs: the embedding, the layers, the head.
            if (c.embeddingChunk(chunk)) add(b, forward, chunk, sp ? REDUCE_SCATTER : ALL_REDUCE, e, width);
            for (int l = 0; l < layers; l++) blockForward(b, forward, chunk, sp, e, width);
            if (c.headChunk(chunk)) {
                if (sp) add(b, forward, chunk, ALL_GATHER, e, width);
                for (int k = 0; k < 3; k++)
                    b.add(forward, chunk, INSIDE, new Instruction.Collective(ALL_REDUCE, Group.TP,
                            Buffer.of(Buffer.Kind.TP_LOSS_STATISTICS), c.tokens(), 4, Overlap.CRITICAL_PATH));
            }
            // Backward, in the order it runs: the head's input gradient, the layers last first (each recomputing its
            // forward first under full recompute), then the embedding.
            if (c.headChunk(chunk)) add(b, backward, chunk, sp ? REDUCE_SCATTER : ALL_REDUCE, e, width);
            for (int l = 0; l < layers; l++) {
                if (full) blockForward(b, backward, chunk, sp, e, width);
                // The blocks' f operators; SP swaps them and re-gathers qkv's and fc1's local inputs.
                if (sp) {
                    for (int k = 0; k < 2; k++) {
                        add(b, backward, chunk, ALL_GATHER, e, width);
                        add(b, backward, chunk, ALL_GATHER, e, width);
                        add(b, backward, chunk, REDUCE_SCATTER, e, width);
                    }
                } else {
                    add(b, backward, chunk, ALL_REDUCE, e, width);
                    add(b, backward, chunk, ALL_REDUCE, e, width);
                }
            }
            if (c.embeddingChunk(chunk) && sp) add(b, backward, chunk, ALL_GATHER, e, width);
            if (sp) partialGradients(c, b, chunk, gradBytes);
        }
    }

    private static void blockForward(StageBuilder b, Pass pass, int chunk, boolean sp, long e, int width) {
        for (int block = 0; block < 2; block++) {
            if (sp) {
                add(b, pass, chunk, ALL_GATHER, e, width);
                add(b, pass, chunk, REDUCE_SCATTER, e, width);
            } else {
                add(b, pass, chunk, ALL_REDUCE, e, width);
            }
        }
    }

    /**
     * The gradients SP leaves partial ({@link Parameters#sequenceParallelPartialUnit}), each tagged with its unit: GPT's
     * wpe (s·h) with the embedding, per layer the two norms' tensors (gain and bias, or an RMSNorm's gain), the final
     * norm's with the head. Summed once per step in unit order, or under ZeRO-2/3 by the pass that adds
     * the weight gradients, unit by unit in the order it visits them (last first), each unit's before its ReduceScatter.
     */
    private static void partialGradients(GeneratorContext c, StageBuilder b, int chunk, int gradBytes) {
        int first = c.firstUnit(chunk), last = c.lastUnit(chunk);
        int[] order = new int[last - first + 1];
        for (int k = 0; k < order.length; k++) order[k] = c.shardsGradients() ? last - k : first + k;
        for (int u : order) {
            boolean embedding = c.embeddingChunk(chunk) && u == first, head = c.headChunk(chunk) && u == last;
            for (long elements : Parameters.sequenceParallelPartialUnit(c.model(), embedding, head)) {
                Instruction.Collective sum = new Instruction.Collective(ALL_REDUCE, Group.TP,
                        Buffer.of(Buffer.Kind.SP_PARTIAL_GRADIENT, u), elements, gradBytes,
                        c.shardsGradients() ? Overlap.CRITICAL_PATH : Overlap.BEHIND_LAST_BACKWARD);
                if (c.shardsGradients()) b.add(c.weightGradientPass(), chunk, REDUCE, sum);
                else b.epilogue(StageBuilder.Closing.PARTIAL_GRADIENTS, sum);
            }
        }
    }

    private static void add(StageBuilder b, Pass pass, int chunk, CollectiveKind kind, long elements, int width) {
        b.add(pass, chunk, INSIDE, new Instruction.Collective(kind, Group.TP, Buffer.of(Buffer.Kind.TP_ACTIVATION),
                elements, width, Overlap.CRITICAL_PATH));
    }
}

package dev.parasim.program;

import dev.parasim.program.schedule.Dependencies;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.program.schedule.PipelineOrder;
import dev.parasim.memory.Activations;
import dev.parasim.memory.LayerReplay;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.Recompute;
import dev.parasim.workload.Flops;

import static dev.parasim.program.StageBuilder.Slot.ALLOCATE;
import static dev.parasim.program.StageBuilder.Slot.COMPUTE;
import static dev.parasim.program.StageBuilder.Slot.INSIDE;
import static dev.parasim.program.StageBuilder.Slot.RELEASE;

/**
 * The model's own work on a stage, whatever the parallelism: each pass's FLOPs on one rank and the activations a
 * chunk keeps from its forward to its backward. Per token of the rank's b·s/cp a layer's forward is
 * {@link Flops#layerForwardPerToken} / t, the head's 2·h·V / t; the backward twice the forward, of which W is the
 * linear layers' weight gradients (the forward's GEMM FLOPs) and B the rest (Qi et al. 2024); recomputation adds
 * to the input-gradient pass what {@link Flops#hardware} adds (Korthikanti et al. 2022 §5; Narayanan et al. 2021
 * eq. 3). A chunk's forward allocates {@link Activations#chunkBytes}, its B or BW frees them; under ZB-H1 B then
 * allocates the chunk's M_W ({@link Activations#chunkWeightGradBytes}), which W frees. Under full recompute a B or BW
 * replays its layers' forwards: it allocates their most beyond what the stage held when it began
 * ({@link LayerReplay#transientBytes}) around its compute, a pass's transient that no pass boundary sees.
 */
final class ModelWorkGenerator implements Generator {

    @Override
    public void generate(GeneratorContext c, StageBuilder b) {
        ModelSpec m = c.model();
        ParallelPlan plan = c.plan();
        double tokens = c.tokens(), t = plan.tp();
        double layerForward = tokens * Flops.layerForwardPerToken(m) / t;
        double layerWeights = tokens * 2 * Flops.gemmWeights(m) / t;
        double head = tokens * 2.0 * m.hidden() * m.vocab() / t;
        double recomputed = tokens * switch (c.e().training().recompute()) {
            case NONE -> 0.0;
            case SELECTIVE -> 12.0 * m.seqLen() * m.hidden() / t;
            case SELECTIVE_OPS -> Flops.opRecomputedPerToken(m) / t;
            case FULL -> Flops.layerForwardPerToken(m) / t;
        };
        int mbs = c.e().training().microBatch(), width = c.precision().activationBytes();
        Recompute recompute = c.e().training().recompute();
        for (int chunk = 0; chunk < c.v(); chunk++) {
            int first = c.firstUnit(chunk), last = c.lastUnit(chunk);
            double layers = c.layers(chunk);
            double forward = layers * layerForward + (c.headChunk(chunk) ? head : 0);
            double weights = layers * layerWeights + (c.headChunk(chunk) ? head : 0);
            double extra = layers * recomputed;
            Buffer kept = new Buffer(Buffer.Kind.ACTIVATIONS, first);
            long keptBytes = Math.round(Activations.chunkBytes(m, plan, mbs, recompute, width, c.virtualStage(chunk)));
            b.add(Pass.F, chunk, COMPUTE, new Instruction.Compute(Pass.F, first, last, forward));
            b.add(Pass.F, chunk, ALLOCATE, new Instruction.Allocate(kept, MemoryCategory.ACTIVATIONS, keptBytes));
            if (recompute == Recompute.FULL) {   // the replayed layers, held within the B or BW
                Buffer replayed = new Buffer(Buffer.Kind.REPLAYED_ACTIVATIONS, first);
                long replayedBytes = Math.round(LayerReplay.transientBytes(m, plan, mbs, width, c.virtualStage(chunk),
                        c.inputGradientPass() == Pass.B));
                b.add(c.inputGradientPass(), chunk, ALLOCATE, new Instruction.Allocate(replayed, MemoryCategory.ACTIVATIONS, replayedBytes));
                b.add(c.inputGradientPass(), chunk, INSIDE, new Instruction.Free(replayed));
            }
            if (c.inputGradientPass() == Pass.BW) {
                b.add(Pass.BW, chunk, COMPUTE, new Instruction.Compute(Pass.BW, first, last, 2 * forward + extra));
                b.add(Pass.BW, chunk, RELEASE, new Instruction.Free(kept));
            } else {
                Buffer forW = new Buffer(Buffer.Kind.WEIGHT_GRAD_INPUTS, first);
                long forWBytes = Math.round(Activations.chunkWeightGradBytes(m, plan, mbs, width, c.virtualStage(chunk)));
                b.add(Pass.B, chunk, COMPUTE, new Instruction.Compute(Pass.B, first, last, 2 * forward - weights + extra));
                b.add(Pass.B, chunk, RELEASE, new Instruction.Free(kept));
                b.add(Pass.B, chunk, RELEASE, new Instruction.Allocate(forW, MemoryCategory.ACTIVATIONS, forWBytes));
                b.add(Pass.W, chunk, COMPUTE, new Instruction.Compute(Pass.W, first, last, weights));
                b.add(Pass.W, chunk, RELEASE, new Instruction.Free(forW));
            }
        }
    }
}

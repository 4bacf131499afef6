package dev.parasim.program;

import dev.parasim.program.schedule.Dependencies;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.program.schedule.PipelineOrder;
import dev.parasim.collective.CollectiveKind;

import static dev.parasim.program.StageBuilder.Slot.INSIDE;

/**
 * Context parallelism as ring attention (Liu et al. 2023; Megatron-core's CP): per layer the cp ranks pass their
 * keys and values, 2·b·(s/cp)·kvWidth/t elements, around the ring: c − 1 shifts in the forward and twice that in
 * the backward (the key/value gradients travel back), hidden behind the attention core.
 */
final class ContextParallelGenerator implements Generator {

    @Override
    public void generate(GeneratorContext c, StageBuilder b) {
        int cp = c.plan().cp();
        if (cp == 1) return;
        long kv = 2L * c.tokens() * c.model().kvWidth() / c.plan().tp();
        int width = c.precision().activationBytes();
        Instruction.Collective shift = new Instruction.Collective(CollectiveKind.SEND_RECV, Group.CP,
                Buffer.of(Buffer.Kind.CP_KEY_VALUE), kv, width, Overlap.BEHIND_ATTENTION);
        for (int chunk = 0; chunk < c.v(); chunk++)
            for (int l = 0; l < c.layers(chunk); l++)
                for (int k = 0; k < cp - 1; k++) {
                    b.add(Pass.F, chunk, INSIDE, shift);
                    b.add(c.inputGradientPass(), chunk, INSIDE, shift);
                    b.add(c.inputGradientPass(), chunk, INSIDE, shift);
                }
    }
}

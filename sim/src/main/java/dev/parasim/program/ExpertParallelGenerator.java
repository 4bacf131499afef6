package dev.parasim.program;

import dev.parasim.program.schedule.Pass;
import dev.parasim.workload.ExpertDispatch;

import static dev.parasim.collective.CollectiveKind.ALL_TO_ALL;
import static dev.parasim.program.StageBuilder.Slot.INSIDE;

/**
 * Expert parallelism (GShard, Lepikhin et al. 2021 §2.2; Megatron-Core's AllToAll token dispatcher): each MoE layer's
 * E experts are split over the ep ranks of an EP group, so the k copies of a rank's T tokens, k·T·h elements, go to
 * the ranks holding their experts by one AllToAll (dispatch) and come back by another (combine); balanced routing sends
 * each peer an equal share. The backward runs both again on the gradients, and a layer's recompute replays what
 * {@link ExpertDispatch#replayedPerLayer} says. Every AllToAll is on its pass's critical path.
 */
final class ExpertParallelGenerator implements Generator {

    @Override
    public void generate(GeneratorContext c, StageBuilder b) {
        int ep = c.plan().ep();
        if (ep == 1) return;
        Instruction.Collective tokens = new Instruction.Collective(ALL_TO_ALL, Group.EP, Buffer.of(Buffer.Kind.EP_TOKENS),
                ExpertDispatch.elements(c.model(), c.tokens()), c.precision().activationBytes(), Overlap.CRITICAL_PATH);
        int backward = ExpertDispatch.backwardPerLayer(c.e().training().recompute());
        for (int chunk = 0; chunk < c.v(); chunk++)
            for (int l = 0; l < c.layers(chunk); l++) {
                for (int k = 0; k < ExpertDispatch.FORWARD_PER_LAYER; k++) b.add(Pass.F, chunk, INSIDE, tokens);
                for (int k = 0; k < backward; k++) b.add(c.inputGradientPass(), chunk, INSIDE, tokens);
            }
    }
}

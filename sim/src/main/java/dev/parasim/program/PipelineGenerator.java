package dev.parasim.program;

import dev.parasim.program.schedule.Dependencies;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.program.schedule.PipelineOrder;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.spec.ModelSpec;

import static dev.parasim.program.StageBuilder.Slot.RECEIVE;
import static dev.parasim.program.StageBuilder.Slot.SEND;

/**
 * Pipeline edges (Narayanan et al. 2021 §4.1): a pass whose input another stage produces receives it, a pass
 * whose output another stage needs sends it — b·s·h/t elements of the activation type per micro-batch and chunk
 * ({@link Dependencies} says which), and with t > 1 and no sequence parallelism the receiving TP group AllGathers
 * the slices (Megatron's scatter/gather; under SP the slice is already the rank's sequence shard). With a tied
 * head and p > 1 the first and last stage all-reduce their wte gradients once per step on the embedding group,
 * under ZeRO-2/3 after AllGathering the tied unit's reduced shards over DP (Megatron-core's finalize_model_grads).
 */
final class PipelineGenerator implements Generator {

    @Override
    public void generate(GeneratorContext c, StageBuilder b) {
        int p = c.p(), v = c.v(), s = c.stage(), t = c.plan().tp();
        if (p == 1) return;
        ModelSpec m = c.model();
        int width = c.precision().activationBytes();
        long full = c.tokens() * m.hidden(), slice = full / t;
        boolean gather = t > 1 && !c.plan().sequenceParallel();
        for (int chunk = 0; chunk < v; chunk++) {
            for (Pass pass : new Pass[] {Pass.F, c.inputGradientPass()}) {
                PassRef ref = new PassRef(pass, 0, chunk);
                Buffer.Kind kind = pass == Pass.F ? Buffer.Kind.BOUNDARY_ACTIVATION : Buffer.Kind.BOUNDARY_GRADIENT;
                Dependencies.StagePass from = Dependencies.of(s, ref, p, v);
                if (from != null && from.stage() != s) {
                    b.add(pass, chunk, RECEIVE, new Instruction.Receive(from.stage(), Buffer.of(kind), slice, width));
                    if (gather)
                        b.add(pass, chunk, RECEIVE, new Instruction.Collective(CollectiveKind.ALL_GATHER, Group.TP,
                                Buffer.of(kind), full, width, Overlap.CRITICAL_PATH));
                }
                int to = Dependencies.consumerStage(s, ref, p, v);
                if (to >= 0) b.add(pass, chunk, SEND, new Instruction.Send(to, Buffer.of(kind), slice, width));
            }
        }
        if (m.tiedEmbeddings() && (c.first() || c.last())) {
            int gradBytes = c.precision().gradBytes();
            Buffer tied = Buffer.of(Buffer.Kind.TIED_GRADIENT);
            int n = c.plan().dp() * c.plan().cp();
            if (c.shardsGradients() && n > 1) {
                long[] units = c.units();
                long unit = c.first() ? units[0] : units[units.length - 1];
                b.epilogue(StageBuilder.Closing.TIED_EMBEDDING, new Instruction.Collective(CollectiveKind.ALL_GATHER, Group.DP,
                        tied, unit, gradBytes, Overlap.BEHIND_LAST_BACKWARD));
            }
            long words = (long) m.vocab() * m.hidden() / t;
            b.epilogue(StageBuilder.Closing.TIED_EMBEDDING, new Instruction.Collective(CollectiveKind.ALL_REDUCE,
                    Group.EMBEDDING, tied, words, gradBytes, Overlap.BEHIND_LAST_BACKWARD));
        }
    }
}

package dev.parasim.program;

import dev.parasim.program.schedule.Dependencies;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.program.schedule.PipelineOrder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Collects what the generators add to one stage's program. Instructions land in slots, so a body reads in the
 * order a pass runs whatever order the generators ran in: receive the input, gather the parameters, compute
 * (with the collectives inside it), reduce the gradients, send the output, release.
 */
final class StageBuilder {

    /** Where in a pass an instruction runs. */
    enum Slot { RECEIVE, GATHER, ALLOCATE, COMPUTE, INSIDE, REDUCE, SEND, RELEASE }

    /** Where in the epilogue an instruction runs. */
    enum Closing { PARTIAL_GRADIENTS, TIED_EMBEDDING, DATA_PARALLEL, OPTIMIZER, PARAMETER_GATHER }

    private final int chunks;
    private final List<Map<Slot, List<Instruction>>> bodies = new ArrayList<>();
    private final List<Instruction> prologue = new ArrayList<>();
    private final Map<Closing, List<Instruction>> epilogue = new EnumMap<>(Closing.class);

    StageBuilder(int chunks) {
        this.chunks = chunks;
        for (int i = 0; i < Pass.values().length * chunks; i++) bodies.add(new EnumMap<>(Slot.class));
    }

    void add(Pass pass, int chunk, Slot slot, Instruction instruction) {
        bodies.get(pass.ordinal() * chunks + chunk).computeIfAbsent(slot, k -> new ArrayList<>()).add(instruction);
    }

    void prologue(Instruction instruction) {
        prologue.add(instruction);
    }

    void epilogue(Closing closing, Instruction instruction) {
        epilogue.computeIfAbsent(closing, k -> new ArrayList<>()).add(instruction);
    }

    StageProgram build(int stage, List<PassRef> order) {
        List<List<Instruction>> flat = new ArrayList<>();
        for (Map<Slot, List<Instruction>> body : bodies) {
            List<Instruction> list = new ArrayList<>();
            body.values().forEach(list::addAll);
            flat.add(list);
        }
        List<Instruction> closing = new ArrayList<>();
        epilogue.values().forEach(closing::addAll);
        return new StageProgram(stage, chunks, order, flat, prologue, closing);
    }
}

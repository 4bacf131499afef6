package dev.parasim.program;

import dev.parasim.program.schedule.Dependencies;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.program.schedule.PipelineOrder;
import java.util.List;

/**
 * What one rank of a pipeline stage runs in one optimizer step (its DP, CP and TP peers run the same program on
 * their own data): the prologue (persistent buffers), the pass order, a body of instructions for each kind of
 * pass and chunk (the same for every micro-batch), and the epilogue (gradient synchronisation, optimizer,
 * parameter gather).
 *
 * Serializable, as the executor ships it to the ranks that run it.
 *
 * @param bodies indexed {@code pass.ordinal() · chunks + chunk}; empty for passes the schedule does not run
 */
public record StageProgram(int stage, int chunks, List<PassRef> order, List<List<Instruction>> bodies,
                           List<Instruction> prologue, List<Instruction> epilogue) implements java.io.Serializable {

    public StageProgram {
        order = List.copyOf(order);
        bodies = bodies.stream().map(List::copyOf).toList();
        prologue = List.copyOf(prologue);
        epilogue = List.copyOf(epilogue);
        if (bodies.size() != Pass.values().length * chunks)
            throw new IllegalArgumentException("bodies: must be passes × chunks = " + Pass.values().length * chunks
                    + ", found " + bodies.size());
    }

    /** {@return the instructions pass {@code ref} runs (the same for every micro-batch)} */
    public List<Instruction> body(PassRef ref) {
        return body(ref.pass(), ref.chunk());
    }

    /** {@return the instructions every {@code pass} of chunk {@code chunk} runs} */
    public List<Instruction> body(Pass pass, int chunk) {
        return bodies.get(pass.ordinal() * chunks + chunk);
    }
}

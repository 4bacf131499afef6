package dev.parasim.program;

import dev.parasim.collective.CollectiveKind;
import dev.parasim.plan.Axis;
import dev.parasim.program.schedule.PassRef;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The program folded into totals, the interpreter the accountant is checked against: per stage, the bytes one
 * rank sends by parallel dimension and collective kind, its persistent memory by category, the most activation
 * bytes it holds between passes and within them, and its FLOPs.
 */
public final class ProgramFold {
    private ProgramFold() {}

    /** {@return bytes one rank of {@code stage} sends in one step, by the dimension of its group and by kind} */
    public static Map<Axis, Map<CollectiveKind, Long>> bytes(StepProgram program, int stage) {
        Map<Axis, Map<CollectiveKind, Long>> out = new EnumMap<>(Axis.class);
        walk(program.stages().get(stage), (ref, instruction) -> {
            if (instruction instanceof Instruction.Collective c) {
                long sent = c.sentBytes(program.groupSize(c.group()));
                if (sent > 0) out.computeIfAbsent(c.group().axis(), k -> new EnumMap<>(CollectiveKind.class))
                        .merge(c.kind(), sent, Long::sum);
            } else if (instruction instanceof Instruction.Send s) {
                out.computeIfAbsent(Axis.PP, k -> new EnumMap<>(CollectiveKind.class))
                        .merge(CollectiveKind.SEND_RECV, s.bytes(), Long::sum);
            }
        });
        return out;
    }

    /** {@return the bytes the prologue allocates and the step keeps, by category (parameters, gradients, optimizer)} */
    public static Map<MemoryCategory, Long> persistentBytes(StepProgram program, int stage) {
        Map<MemoryCategory, Long> out = new EnumMap<>(MemoryCategory.class);
        for (Instruction i : program.stages().get(stage).prologue())
            if (i instanceof Instruction.Allocate a) out.merge(a.category(), a.bytes(), Long::sum);
        return out;
    }

    /**
     * {@return the most bytes of {@code category} the stage holds between two passes}, allocating and freeing as its
     * pass order runs (a buffer a pass allocates belongs to that pass's micro-batch until a pass of the same
     * micro-batch frees it)
     */
    public static long peakBetweenPasses(StepProgram program, int stage, MemoryCategory category) {
        return peak(program, stage, category, false);
    }

    /**
     * {@return the most bytes of {@code category} the stage holds at any instruction}: {@link #peakBetweenPasses} with
     * what a pass allocates and frees within itself (full recompute's replayed layers) counted while it is live
     */
    public static long peakInPasses(StepProgram program, int stage, MemoryCategory category) {
        return peak(program, stage, category, true);
    }

    private static long peak(StepProgram program, int stage, MemoryCategory category, boolean withinPasses) {
        StageProgram s = program.stages().get(stage);
        Map<List<Object>, Long> live = new HashMap<>();
        long held = 0, peak = 0;
        for (PassRef ref : s.order()) {
            for (Instruction i : s.body(ref)) {
                if (i instanceof Instruction.Allocate a && a.category() == category) {
                    live.put(List.of(a.buffer(), ref.microBatch()), a.bytes());
                    held += a.bytes();
                    if (withinPasses) peak = Math.max(peak, held);
                } else if (i instanceof Instruction.Free f) {
                    Long bytes = live.remove(List.of(f.buffer(), ref.microBatch()));
                    if (bytes != null) held -= bytes;
                }
            }
            peak = Math.max(peak, held);
        }
        return peak;
    }

    /** {@return FLOPs one rank of {@code stage} computes in one step} */
    public static double flops(StepProgram program, int stage) {
        double[] sum = {0};
        walk(program.stages().get(stage), (ref, i) -> {
            if (i instanceof Instruction.Compute c) sum[0] += c.flops();
        });
        return sum[0];
    }

    /** Runs {@code visit} over every instruction of one step in program order ({@code ref} null outside passes). */
    public static void walk(StageProgram stage, BiConsumer<PassRef, Instruction> visit) {
        for (Instruction i : stage.prologue()) visit.accept(null, i);
        for (PassRef ref : stage.order()) for (Instruction i : stage.body(ref)) visit.accept(ref, i);
        for (Instruction i : stage.epilogue()) visit.accept(null, i);
    }
}

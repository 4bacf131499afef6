package dev.parasim.program.schedule;

/**
 * What a pass must wait for. A forward needs the same micro-batch's forward on the previous stage
 * (stage 0 of chunk c needs the last stage's chunk c − 1); a backward (B or BW) the same micro-batch's
 * backward on the next stage (the last stage of chunk c needs stage 0's chunk c + 1, and the last
 * chunk needs its own forward); W needs its own B.
 */
public final class Dependencies {
    private Dependencies() {}

    /** A pass on a stage. */
    public record StagePass(int stage, PassRef pass) {}

    /** {@return the pass {@code ref} on {@code stage} depends on, or null if only on its own stage's order} */
    public static StagePass of(int stage, PassRef ref, int p, int v) {
        int mb = ref.microBatch(), c = ref.chunk();
        return switch (ref.pass()) {
            case F -> stage > 0 ? new StagePass(stage - 1, new PassRef(Pass.F, mb, c))
                    : c > 0 ? new StagePass(p - 1, new PassRef(Pass.F, mb, c - 1)) : null;
            case B, BW -> stage < p - 1 ? new StagePass(stage + 1, new PassRef(ref.pass(), mb, c))
                    : c < v - 1 ? new StagePass(0, new PassRef(ref.pass(), mb, c + 1))
                    : new StagePass(stage, new PassRef(Pass.F, mb, c));
            case W -> new StagePass(stage, new PassRef(Pass.B, mb, c));
        };
    }

    /** {@return the other stage that waits for {@code ref}'s output, or −1 if none does} */
    public static int consumerStage(int stage, PassRef ref, int p, int v) {
        int c = ref.chunk();
        return switch (ref.pass()) {
            case F -> stage < p - 1 ? stage + 1 : c < v - 1 ? 0 : -1;
            case B, BW -> stage > 0 ? stage - 1 : c > 0 ? p - 1 : -1;
            case W -> -1;
        };
    }
}

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

    private static final Pass[] PASSES = Pass.values();

    /** {@return the pass {@code ref} on {@code stage} depends on, or null if only on its own stage's order} */
    public static StagePass of(int stage, PassRef ref, int p, int v) {
        int dep = packed(stage, ref.pass(), ref.chunk(), p, v);
        if (dep < 0) return null;
        return new StagePass(dep / v / PASSES.length, new PassRef(PASSES[dep / v % PASSES.length], ref.microBatch(), dep % v));
    }

    /**
     * {@return the same as {@link #of} without allocating (compiling an order asks once per pass): the pass waited for, always
     * of the same micro-batch, as {@code (stage · 4 + pass ordinal) · v + chunk}, or −1 if none}
     */
    static int packed(int stage, Pass pass, int c, int p, int v) {
        return switch (pass) {
            case F -> stage > 0 ? pack(stage - 1, Pass.F, c, v) : c > 0 ? pack(p - 1, Pass.F, c - 1, v) : -1;
            case B, BW -> stage < p - 1 ? pack(stage + 1, pass, c, v)
                    : c < v - 1 ? pack(0, pass, c + 1, v)
                    : pack(stage, Pass.F, c, v);
            case W -> pack(stage, Pass.B, c, v);
        };
    }

    private static int pack(int stage, Pass pass, int chunk, int v) {
        return (stage * PASSES.length + pass.ordinal()) * v + chunk;
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

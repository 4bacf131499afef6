package dev.parasim.exec;

import java.util.List;

/** Test program: every rank fills buffer "x" with a rank-specific pattern, then runs the given ops. */
final class FillProgram implements RankProgram {
    private final int length;
    private final Dtype type;
    private final List<Op> ops;

    FillProgram(int length, Dtype type, List<Op> ops) {
        this.length = length;
        this.type = type;
        this.ops = List.copyOf(ops);
    }

    /** {@return rank r's initial value at element i: distinct per rank and element, exact in bf16 for small ranges} */
    static double value(int rank, int i) {
        return ((rank * 7 + i * 3) % 17) - 8 + 0.25 * (rank + 1);
    }

    @Override
    public void init(RankState rank) {
        Buf x = rank.alloc("x", MemCategory.COMM_BUFFERS, type, length);
        for (int i = 0; i < length; i++) x.set(i, value(rank.rank(), i));
    }

    @Override
    public List<Op> ops() { return ops; }
}

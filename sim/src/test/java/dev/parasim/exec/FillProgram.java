package dev.parasim.exec;

import java.util.List;

/** Test program: every rank fills the named buffers with the same rank-specific pattern, then runs the given ops. */
final class FillProgram implements RankProgram {
    private final int length;
    private final Dtype type;
    private final List<Op> ops;
    private final List<String> buffers;

    FillProgram(int length, Dtype type, List<Op> ops) { this(length, type, ops, List.of("x")); }

    FillProgram(int length, Dtype type, List<Op> ops, List<String> buffers) {
        this.length = length;
        this.type = type;
        this.ops = List.copyOf(ops);
        this.buffers = List.copyOf(buffers);
    }

    /** {@return rank r's initial value at element i: distinct per rank and element, exact in bf16 for small ranges} */
    static double value(int rank, int i) {
        return ((rank * 7 + i * 3) % 17) - 8 + 0.25 * (rank + 1);
    }

    @Override
    public void init(RankState rank) {
        for (String name : buffers) {
            Buf x = rank.alloc(name, MemCategory.COMM_BUFFERS, type, length);
            for (int i = 0; i < length; i++) x.set(i, value(rank.rank(), i));
        }
    }

    @Override
    public List<Op> ops() { return ops; }
}

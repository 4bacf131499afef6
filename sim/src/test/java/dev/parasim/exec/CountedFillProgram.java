package dev.parasim.exec;

import java.util.ArrayList;
import java.util.List;

/** Test program: {@link FillProgram}'s buffers and ops between a step's begin and end, so each rank reports its step's bytes. */
final class CountedFillProgram implements RankProgram {
    private static final long serialVersionUID = 1L;
    private final FillProgram fill;
    private final List<Op> ops;

    CountedFillProgram(int length, Dtype type, List<Op> ops, List<String> buffers) {
        this.fill = new FillProgram(length, type, ops, buffers);
        List<Op> all = new ArrayList<>();
        all.add((Op) (rank, round) -> {
            rank.beginStep();
            return true;
        });
        all.addAll(ops);
        all.add((Op) (rank, round) -> {
            rank.endStep();
            return true;
        });
        this.ops = List.copyOf(all);
    }

    @Override
    public void init(RankState rank) { fill.init(rank); }

    @Override
    public List<Op> ops() { return ops; }
}

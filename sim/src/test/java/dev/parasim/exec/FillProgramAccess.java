package dev.parasim.exec;

import java.util.List;

/** Opens the package-private {@link FillProgram} to tests in other packages. */
public final class FillProgramAccess {
    private FillProgramAccess() {}

    public static RankProgram program(int length, Dtype type, List<Op> ops) { return new FillProgram(length, type, ops); }

    public static RankProgram program(int length, Dtype type, List<Op> ops, List<String> buffers) {
        return new FillProgram(length, type, ops, buffers);
    }

    public static double value(int rank, int i) { return FillProgram.value(rank, i); }
}

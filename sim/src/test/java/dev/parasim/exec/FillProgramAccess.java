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

    /**
     * {@return every executed collective over the whole of its own fp64 buffer, named as the op: ring AllReduce
     * ("ring"), halving-doubling AllReduce ("hd"), ring ReduceScatter ("rs") and AllGather ("ag"), chain broadcast
     * from {@code root} ("bc"), send/recv from rank 0 to rank n − 1 ("p2p")}
     */
    public static List<Op> everyCollective(int size, int root, int n) {
        return List.of(
                new RingAllReduce(List.of(Seg.whole("ring", size))),
                new HalvingDoublingAllReduce(List.of(Seg.whole("hd", size))),
                new RingReduceScatter(List.of(Seg.whole("rs", size))),
                new RingAllGather(List.of(Seg.whole("ag", size))),
                new ChainBroadcast(root, List.of(Seg.whole("bc", size))),
                new SendRecv(0, n - 1, List.of(Seg.whole("p2p", size))));
    }

    /** {@return a program whose buffers are filled with {@link #value} in fp64 and which runs {@code ops}} */
    public static RankProgram fp64(int length, List<Op> ops, List<String> buffers) {
        return new FillProgram(length, Dtype.F64, ops, buffers);
    }
}

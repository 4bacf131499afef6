package dev.parasim.exec;

import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.model.Adam;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ZeRO's sharded optimizer step (Rajbhandari et al. 2020 §5.1) on the in-process backend: the gradients are
 * ReduceScattered, each rank runs Adam on its own shard [r·c, (r+1)·c) of the parameters with its shard of
 * m and v, and the parameters are AllGathered. Every rank ends with the parameters one Adam step on the mean
 * gradient gives (to 1e-12, fp64), and sends exactly (n−1)·c·8 B of ReduceScatter and as much AllGather.
 */
class ShardedAdamStepTest {
    private static final double LR = 1e-3;

    /** Params start at 0.1·i, rank r's gradient is {@link FillProgram#value}(r, i); padding is zero. */
    private static final class Program implements RankProgram {
        private static final long serialVersionUID = 1L;
        private final int size, n;

        Program(int size, int n) {
            this.size = size;
            this.n = n;
        }

        private int shard() { return (int) Chunking.shard(size, n); }

        @Override
        public void init(RankState rank) {
            int padded = n * shard();
            Buf p = rank.alloc("p", MemCategory.PARAMS, Dtype.F64, padded);
            Buf g = rank.alloc("g", MemCategory.GRADS, Dtype.F64, padded);
            for (int i = 0; i < size; i++) {
                p.set(i, 0.1 * i);
                g.set(i, FillProgram.value(rank.rank(), i));
            }
            rank.alloc("m", MemCategory.OPTIMIZER, Dtype.F64, shard());
            rank.alloc("v", MemCategory.OPTIMIZER, Dtype.F64, shard());
        }

        @Override
        public List<Op> ops() {
            List<Op> ops = new ArrayList<>();
            ops.add((Op) (rank, round) -> {
                rank.beginStep();
                return true;
            });
            ops.add(new RingReduceScatter(List.of(Seg.whole("g", n * shard()))));
            ops.add((Op) (rank, round) -> {
                int c = shard(), from = rank.dpIndex() * c;
                ShardAdam.apply(rank.buf("p"), from, rank.buf("m"), rank.buf("v"), rank.buf("g"), from, c, n, LR, 1);
                return true;
            });
            ops.add(new RingAllGather(List.of(Seg.whole("p", n * shard()))));
            ops.add((Op) (rank, round) -> {
                rank.endStep();
                return true;
            });
            return ops;
        }
    }

    @ParameterizedTest(name = "n {0}, {1} elements, {2} ranks per partition")
    @CsvSource({"2,13,1", "3,13,2", "4,50,3", "8,50,4"})
    void shardedStepEqualsOneAdamStepOnTheMeanGradient(int n, int size, int ranksPerPartition) {
        int c = (int) Chunking.shard(size, n);
        List<double[]> params;
        List<RankComm> comm;
        try (Backend backend = new InProcessBackend(new Topology(n, ranksPerPartition, 2, "nvlink", "ib"), new Program(size, n))) {
            backend.runStep();
            params = backend.collect(r -> r.buf("p").toDoubles(size));
            comm = backend.collect(r -> r.reports().get(0).comm());
        }
        double[] p0 = new double[size], mean = new double[size];
        for (int i = 0; i < size; i++) {
            p0[i] = 0.1 * i;
            for (int r = 0; r < n; r++) mean[i] += FillProgram.value(r, i) / n;
        }
        INDArray p = Nd4j.createFromArray(p0).castTo(DataType.DOUBLE);
        Adam.step(p, Nd4j.createFromArray(mean), Nd4j.zeros(DataType.DOUBLE, size), Nd4j.zeros(DataType.DOUBLE, size), 1, LR);
        double[] expected = p.toDoubleVector();
        for (int r = 0; r < n; r++) {
            assertArrayEquals(expected, params.get(r), 1e-12, "parameters of rank " + r);
            assertEquals((long) (n - 1) * c * 8, comm.get(r).sent(CollectiveKind.REDUCE_SCATTER), "ReduceScatter bytes of rank " + r);
            assertEquals((long) (n - 1) * c * 8, comm.get(r).sent(CollectiveKind.ALL_GATHER), "AllGather bytes of rank " + r);
            assertEquals(2L * (n - 1) * c * 8, comm.get(r).sent(), "nothing else is sent by rank " + r);
        }
    }
}

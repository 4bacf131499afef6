package dev.parasim.exec.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AdamTest {

    @Test
    void firstStepMovesByLrTimesTheSignOfTheGradient() {
        INDArray p = Nd4j.createFromArray(1.0, -2.0, 0.5);
        INDArray g = Nd4j.createFromArray(0.1, -0.2, 0.0);
        INDArray m = Nd4j.zeros(DataType.DOUBLE, 3), v = Nd4j.zeros(DataType.DOUBLE, 3);
        Adam.step(p, g, m, v, 1, 0.01);
        // At t = 1, m̂ = g and √v̂ = |g|, so p moves by lr·g/(|g| + ε).
        assertEquals(0.9900000009999999, p.getDouble(0), 1e-15);
        assertEquals(-1.9900000005, p.getDouble(1), 1e-15);
        assertEquals(0.5, p.getDouble(2));
        assertArrayEquals(new double[] {0.01, -0.02, 0.0}, m.toDoubleVector(), 1e-17);
        assertArrayEquals(new double[] {1e-5, 4e-5, 0.0}, v.toDoubleVector(), 1e-19);
    }

    @Test
    void aShardUpdatesBitForBitLikeTheSameSliceOfTheWholeVector() {
        for (DataType dtype : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Nd4j.getRandom().setSeed(3);
            int n = 1001;
            INDArray p = Nd4j.randn(dtype, n), m = Nd4j.zeros(dtype, n), v = Nd4j.zeros(dtype, n);
            INDArray ps = p.dup(), ms = m.dup(), vs = v.dup();
            int[] cuts = {0, 1, 334, 700, n};
            for (int t = 1; t <= 4; t++) {
                INDArray g = Nd4j.randn(dtype, n).muli(0.1);
                Adam.step(p, g, m, v, t, 1e-3);
                for (int c = 0; c + 1 < cuts.length; c++) {
                    var range = NDArrayIndex.interval(cuts[c], cuts[c + 1]);
                    Adam.step(ps.get(range), g.get(range).dup(), ms.get(range), vs.get(range), t, 1e-3);
                }
            }
            assertEquals(p, ps, dtype + " params");
            assertEquals(m, ms, dtype + " m");
            assertEquals(v, vs, dtype + " v");
        }
    }

    @Test
    void rejectsMismatchedState() {
        INDArray p = Nd4j.zeros(DataType.FLOAT, 3);
        assertThrows(IllegalArgumentException.class, () -> Adam.step(p, Nd4j.zeros(DataType.FLOAT, 2), p.dup(), p.dup(), 1, 1e-3));
        assertThrows(IllegalArgumentException.class, () -> Adam.step(p, Nd4j.zeros(DataType.DOUBLE, 3), p.dup(), p.dup(), 1, 1e-3));
        assertThrows(IllegalArgumentException.class, () -> Adam.step(p, p.dup(), p.dup(), p.dup(), 0, 1e-3));
    }
}

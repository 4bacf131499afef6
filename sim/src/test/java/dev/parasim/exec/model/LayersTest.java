package dev.parasim.exec.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Golden values for the layers DL4J has no same-function counterpart for. */
class LayersTest {

    @Test
    void geluIsTheTanhApproximation() {
        // PyTorch gelu(approximate="tanh") values. ND4J's ActivationGELU(precise=true) is not this
        // function (it gives −0.0247 at −3), so it cannot serve as a reference.
        INDArray u = Nd4j.createFromArray(-3.0, -1.0, -0.5, 0.5, 1.0, 2.0);
        assertArrayEquals(new double[] {-0.0036373920817729943, -0.15880800939172324, -0.15428599017485606,
                0.34571400982514394, 0.8411919906082768, 1.954597694087775}, Gelu.forward(u).toDoubleVector(), 1e-15);
        assertEquals(0.5, Gelu.backward(Nd4j.createFromArray(0.0), Nd4j.createFromArray(1.0)).getDouble(0), 1e-15);
    }

    @Test
    void layerNormNormalisesRowsWithEpsilon() {
        INDArray x = Nd4j.createFromArray(new double[][] {{1, 2, 3, 4}, {-2, -2, -2, -2}});
        INDArray g = Nd4j.createFromArray(1.0, 1.0, 2.0, 1.0), b = Nd4j.createFromArray(0.0, 0.0, 0.0, 0.5);
        LayerNorm.Out out = LayerNorm.forward(x, g, b);
        double r = 0.894423613312618; // 1/√(1.25 + 1e-5)
        assertArrayEquals(new double[] {-1.5 * r, -0.5 * r, 2 * 0.5 * r, 1.5 * r + 0.5}, out.y().getRow(0).toDoubleVector(), 1e-15);
        assertArrayEquals(new double[] {0, 0, 0, 0.5}, out.y().getRow(1).toDoubleVector(), 1e-15);
        assertEquals(2.5, out.mean().getDouble(0, 0));
        assertEquals(1 / Math.sqrt(1e-5), out.rstd().getDouble(1, 0), 1e-9);
    }

    @Test
    void attentionIsCausal() {
        // Changing the last token's Q, K and V leaves every earlier position's output unchanged.
        Nd4j.getRandom().setSeed(8);
        int b = 2, s = 4, heads = 2, h = 6;
        INDArray qkv = Nd4j.randn(DataType.DOUBLE, b * s, 3 * h);
        INDArray changed = qkv.dup();
        changed.getRow(s - 1).addi(1.0);
        INDArray before = Attention.forward(qkv, b, s, heads).att(), after = Attention.forward(changed, b, s, heads).att();
        for (int t = 0; t < b * s; t++) {
            double diff = before.getRow(t).sub(after.getRow(t)).amaxNumber().doubleValue();
            if (t == s - 1) assertEquals(true, diff > 0.0);
            else assertEquals(0.0, diff, "row " + t);
        }
        INDArray p = Attention.forward(qkv, b, s, heads).p();
        assertEquals(1.0, p.getDouble(0, 0, 0), "the first position attends only to itself");
        assertEquals(0.0, p.getDouble(3, 1, 2));
    }
}

package dev.parasim.exec.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GptTest {
    private static final GptConfig SMALL = new GptConfig(2, 16, 4, 64, 20, 8);

    @Test
    void initIsAPureFunctionOfTheSeed() {
        Gpt gpt = new Gpt(SMALL, DataType.FLOAT);
        INDArray[] a = gpt.init(5), b = gpt.init(5), c = gpt.init(6);
        for (int u = 0; u < a.length; u++) {
            assertArrayEquals(a[u].toFloatVector(), b[u].toFloatVector(), "unit " + u);
            assertEquals(gpt.layout().unitSize(u), a[u].length());
        }
        assertFalse(Arrays.equals(a[0].toFloatVector(), c[0].toFloatVector()));
        assertFalse(Arrays.equals(a[1].toFloatVector(), c[1].toFloatVector()));
        assertFalse(Arrays.equals(a[1].toFloatVector(), a[2].toFloatVector()), "blocks draw from different streams");
        // FLOAT init is the DOUBLE init rounded, so fp32 and fp64 runs start from the same point.
        INDArray[] d = new Gpt(SMALL, DataType.DOUBLE).init(5);
        assertArrayEquals(a[1].toFloatVector(), d[1].castTo(DataType.FLOAT).toFloatVector());
        assertEquals(a[1], gpt.initUnit(1, 5));
    }

    @Test
    void initFollowsGpt2() {
        Gpt gpt = new Gpt(new GptConfig(1, 64, 4, 256, 500, 32), DataType.DOUBLE);
        INDArray[] p = gpt.init(1);
        var block = gpt.layout().views(1, p[1]);
        assertEquals(1.0, block.get("ln1.g").minNumber().doubleValue());
        assertEquals(1.0, block.get("ln2.g").maxNumber().doubleValue());
        for (String bias : new String[] {"ln1.b", "qkv.b", "proj.b", "ln2.b", "fc1.b", "fc2.b"})
            assertEquals(0.0, block.get(bias).norm1Number().doubleValue(), bias);
        double std = gpt.layout().views(0, p[0]).get("wte").stdNumber().doubleValue();
        assertEquals(0.02, std, 0.0005);
        assertEquals(0.02, block.get("fc1.w").stdNumber().doubleValue(), 0.0005);
    }

    @Test
    void lossAtInitIsNearLogVocab() {
        Gpt gpt = new Gpt(SMALL, DataType.DOUBLE);
        Batch batch = SyntheticData.of(SMALL, 1).batch(0, 0, 4);
        assertEquals(Math.log(SMALL.vocab()), gpt.loss(gpt.init(3), batch), 0.05);
    }

    @Test
    void forwardBackwardAddsIntoTheAccumulators() {
        Gpt gpt = new Gpt(SMALL, DataType.DOUBLE);
        INDArray[] p = gpt.init(3);
        Batch batch = SyntheticData.of(SMALL, 1).batch(0, 0, 3);
        INDArray[] once = gpt.zeros(), twice = gpt.zeros();
        double loss = gpt.forwardBackward(p, batch, once);
        assertEquals(loss, gpt.forwardBackward(p, batch, twice));
        gpt.forwardBackward(p, batch, twice);
        for (int u = 0; u < p.length; u++) {
            assertTrue(once[u].norm2Number().doubleValue() > 0, "unit " + u + " got a gradient");
            assertEquals(0, twice[u].sub(once[u].mul(2)).amaxNumber().doubleValue(), 1e-15, "unit " + u);
        }
    }

    @Test
    void unitStepsComposeToForwardBackward() {
        Gpt gpt = new Gpt(SMALL, DataType.FLOAT);
        INDArray[] p = gpt.init(3);
        Batch batch = SyntheticData.of(SMALL, 1).batch(2, 1, 2);
        INDArray[] reference = gpt.zeros();
        double loss = gpt.forwardBackward(p, batch, reference);

        INDArray[] grads = gpt.zeros();
        Activation[] acts = new Activation[gpt.layout().units()];
        Activation x = Activation.none();
        for (int u = 0; u < acts.length; u++) x = acts[u] = gpt.forwardUnit(u, p[u], x, batch);
        Activation head = gpt.headForward(p[0], acts[acts.length - 1], batch);
        Activation g = gpt.headBackward(p[0], head, grads[0]);
        for (int u = acts.length - 1; u >= 0; u--) g = gpt.backwardUnit(u, p[u], acts[u], g, grads[u]);
        assertEquals(loss, head.scalar());
        for (int u = 0; u < p.length; u++) assertEquals(reference[u], grads[u], "unit " + u);
        assertEquals(null, g.value());
    }

    @Test
    void blockActivationBytesFollowKorthikantiWithoutDropout() {
        // Korthikanti et al. 2022 eq. (1) without the dropout masks, in elements: sbh(8 + 2f/h) + a·s²·b,
        // plus our 4·b·s LayerNorm statistics; the block input is counted by the previous unit.
        int b = 3, s = SMALL.seqLen(), h = SMALL.hidden(), f = SMALL.ffnHidden(), a = SMALL.heads();
        for (DataType dtype : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Gpt gpt = new Gpt(SMALL, dtype);
            INDArray[] p = gpt.init(3);
            Batch batch = SyntheticData.of(SMALL, 1).batch(0, 0, b);
            Activation emb = gpt.forwardUnit(0, p[0], Activation.none(), batch);
            Activation block = gpt.forwardUnit(1, p[1], emb, batch);
            long elements = (long) b * s * (8L * h + 2L * f + 4) + (long) a * s * s * b;
            assertEquals(elements * dtype.width(), block.bytes());
            assertEquals((long) b * s * h * dtype.width(), emb.bytes(), "the output; the int32 token ids are the batch, not counted");
            Activation norm = gpt.forwardUnit(3, p[3], gpt.forwardUnit(2, p[2], block, batch), batch);
            assertEquals((long) b * s * (h + 2) * dtype.width(), norm.bytes());
            Activation head = gpt.headForward(p[0], norm, batch);
            assertEquals((long) b * s * SMALL.vocab() * dtype.width(), head.savedBytes(), "the softmax (targets are the batch)");
            assertEquals(8 + head.savedBytes(), head.bytes(), "plus the fp64 loss it returns");
        }
    }

    @Test
    void shorterSequencesUseTheFirstPositionRows() {
        Gpt gpt = new Gpt(SMALL, DataType.DOUBLE);
        INDArray[] p = gpt.init(3);
        Batch batch = SyntheticData.of(new GptConfig(2, 16, 4, 64, 20, 5), 1).batch(0, 0, 2);
        INDArray[] g = gpt.zeros();
        gpt.forwardBackward(p, batch, g);
        INDArray wpeGrad = gpt.layout().views(0, g[0]).get("wpe");
        assertTrue(wpeGrad.get(NDArrayIndex.interval(0, 5), NDArrayIndex.all()).norm2Number().doubleValue() > 0);
        assertEquals(0.0, wpeGrad.get(NDArrayIndex.interval(5, 8), NDArrayIndex.all()).norm2Number().doubleValue());
    }

    @Test
    void valueObjectsSurviveJavaSerialization() throws Exception {
        Gpt gpt = new Gpt(SMALL, DataType.FLOAT);
        SyntheticData data = SyntheticData.of(SMALL, 9);
        Batch batch = data.batch(1, 2, 3);
        Gpt gptCopy = roundTrip(gpt);
        assertEquals(SMALL, roundTrip(SMALL));
        assertEquals(gpt.layout().totalElements(), gptCopy.layout().totalElements());
        assertEquals(gpt.init(4)[1], gptCopy.init(4)[1]);
        assertArrayEquals(batch.tokens(), roundTrip(batch).tokens());
        assertArrayEquals(batch.targets(), roundTrip(data).batch(1, 2, 3).targets());
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) throws Exception {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.io.ObjectOutputStream(bytes)) { out.writeObject(value); }
        try (var in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @Test
    void rejectsMismatchedInputs() {
        Gpt gpt = new Gpt(SMALL, DataType.FLOAT);
        INDArray[] p = gpt.init(3);
        Batch tooLong = new SyntheticData(20, 9, 1).batch(0, 0, 1);
        assertThrows(IllegalArgumentException.class, () -> gpt.loss(p, tooLong));
        Batch badToken = new Batch(new int[][] {{0, 25}}, new int[][] {{1, 2}});
        assertThrows(IllegalArgumentException.class, () -> gpt.loss(p, badToken));
        INDArray[] doubles = new Gpt(SMALL, DataType.DOUBLE).init(3);
        assertThrows(IllegalArgumentException.class, () -> gpt.loss(doubles, SyntheticData.of(SMALL, 1).batch(0, 0, 1)));
        assertThrows(IllegalArgumentException.class, () -> new Gpt(SMALL, DataType.HALF));
        assertNotEquals(p[0].length(), p[1].length());
    }
}

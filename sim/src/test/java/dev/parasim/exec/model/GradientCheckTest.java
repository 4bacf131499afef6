package dev.parasim.exec.model;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Central finite differences in fp64 against every unit's backward, the head and the whole model. */
class GradientCheckTest {
    private static final GptConfig TINY = new GptConfig(2, 8, 2, 16, 11, 5);
    private static final double STEP = 1e-5;
    private static final double TOLERANCE = 1e-6;
    private static final double RELATIVE_FLOOR = 1e-3;
    private static final double ABSOLUTE_TOLERANCE = 1e-8;

    private static final long T0 = System.nanoTime();
    private static Gpt gpt;
    private static INDArray[] params;
    private static Batch batch;

    @BeforeAll
    static void setUp() {
        gpt = new Gpt(TINY, DataType.DOUBLE);
        params = gpt.init(7);
        Nd4j.getRandom().setSeed(11);
        // Perturb every parameter so LN gains/biases and attention are far from their symmetric init.
        for (INDArray p : params) p.addi(Nd4j.randn(DataType.DOUBLE, p.length()).muli(0.3));
        batch = new SyntheticData(TINY.vocab(), TINY.seqLen(), 3).batch(0, 0, 2);
    }

    @Test
    void everyBlockAndTheFinalNorm() {
        for (int u = 1; u <= TINY.layers() + 1; u++) {
            int unit = u;
            INDArray x = Nd4j.randn(DataType.DOUBLE, 10, TINY.hidden());
            INDArray r = Nd4j.randn(DataType.DOUBLE, 10, TINY.hidden());
            ToDoubleFunction<INDArray[]> f = pr -> gpt.forwardUnit(unit, pr[0], Activation.of(pr[1]), batch).value().mul(r).sumNumber().doubleValue();
            INDArray grad = Nd4j.zeros(DataType.DOUBLE, params[u].length());
            Activation act = gpt.forwardUnit(u, params[u], Activation.of(x), batch);
            INDArray dx = gpt.backwardUnit(u, params[u], act, Activation.of(r), grad).value();
            // Block 1 and the final norm: every element; block 2 runs the same code, so a sample of each tensor.
            long[] idx = u == 2 ? sample(u, 8) : java.util.stream.LongStream.range(0, params[u].length()).toArray();
            report("unit " + u + " params", check(f, new INDArray[] {params[u], x}, 0, grad, idx));
            report("unit " + u + " input", check(f, new INDArray[] {params[u], x}, 1, dx));
        }
    }

    @Test
    void embedding() {
        INDArray r = Nd4j.randn(DataType.DOUBLE, 10, TINY.hidden());
        ToDoubleFunction<INDArray[]> f = pr -> gpt.forwardUnit(0, pr[0], Activation.none(), batch).value().mul(r).sumNumber().doubleValue();
        INDArray grad = Nd4j.zeros(DataType.DOUBLE, params[0].length());
        Activation act = gpt.forwardUnit(0, params[0], Activation.none(), batch);
        assertTrue(gpt.backwardUnit(0, params[0], act, Activation.of(r), grad).value() == null);
        report("unit 0 params", check(f, new INDArray[] {params[0]}, 0, grad));
    }

    @Test
    void headAndLoss() {
        INDArray y = Nd4j.randn(DataType.DOUBLE, 10, TINY.hidden());
        ToDoubleFunction<INDArray[]> f = pr -> gpt.headForward(pr[0], Activation.of(pr[1]), batch).scalar();
        INDArray grad = Nd4j.zeros(DataType.DOUBLE, params[0].length());
        Activation head = gpt.headForward(params[0], Activation.of(y), batch);
        INDArray dy = gpt.headBackward(params[0], head, grad).value();
        report("head embedding params", check(f, new INDArray[] {params[0], y}, 0, grad));
        report("head input", check(f, new INDArray[] {params[0], y}, 1, dy));
    }

    /** With dropout (p = 0.3): the masks are a function of the sequences' keys, so the loss is a function of the weights. */
    @Test
    void wholeModelWithDropout() {
        Gpt dropped = new Gpt(new GptConfig(2, 8, 2, 16, 11, 5, 0.3), DataType.DOUBLE);
        INDArray[] grads = dropped.zeros();
        double loss = dropped.forwardBackward(params, batch, grads);
        assertTrue(Math.abs(loss - gpt.loss(params, batch)) > 1e-3, "dropout changes the loss");
        for (int u = 0; u < params.length; u++)
            report("dropout model unit " + u, check(pr -> dropped.loss(pr, batch), params, u, grads[u], sample(u, 4)));
    }

    @Test
    void wholeModel() {
        INDArray[] grads = gpt.zeros();
        gpt.forwardBackward(params, batch, grads);
        for (int u = 0; u < params.length; u++) {
            report("model unit " + u, check(pr -> gpt.loss(pr, batch), params, u, grads[u], sample(u, 4)));
        }
    }

    /** {@return the first and last element of every tensor of unit u plus {@code perTensor} − 2 random ones} */
    private static long[] sample(int u, int perTensor) {
        java.util.Random rng = new java.util.Random(u);
        java.util.TreeSet<Long> idx = new java.util.TreeSet<>();
        for (ParamLayout.Tensor t : gpt.layout().tensors(u)) {
            idx.add(t.offset());
            idx.add(t.offset() + t.elements() - 1);
            for (int k = 2; k < perTensor; k++) idx.add(t.offset() + (long) (rng.nextDouble() * t.elements()));
        }
        return idx.stream().mapToLong(Long::longValue).toArray();
    }

    /** Worst errors of one check: relative over elements with |a| + |n| ≥ {@link #RELATIVE_FLOOR}, absolute over all. */
    record Errors(double relative, double absolute, int checked) {}

    /** {@return the worst errors between {@code analytic} and central differences of f over input i, elements {@code idx}} */
    static Errors check(ToDoubleFunction<INDArray[]> f, INDArray[] inputs, int i, INDArray analytic, long[] idx) {
        INDArray flat = inputs[i].reshape(inputs[i].length());
        INDArray a = analytic.reshape(analytic.length());
        double relative = 0, absolute = 0;
        for (long j : idx) {
            double orig = flat.getDouble(j);
            flat.putScalar(j, orig + STEP);
            double plus = f.applyAsDouble(inputs);
            flat.putScalar(j, orig - STEP);
            double minus = f.applyAsDouble(inputs);
            flat.putScalar(j, orig);
            double numeric = (plus - minus) / (2 * STEP);
            double diff = Math.abs(a.getDouble(j) - numeric), scale = Math.abs(a.getDouble(j)) + Math.abs(numeric);
            absolute = Math.max(absolute, diff);
            if (scale >= RELATIVE_FLOOR) relative = Math.max(relative, diff / scale);
        }
        return new Errors(relative, absolute, idx.length);
    }

    static Errors check(ToDoubleFunction<INDArray[]> f, INDArray[] inputs, int i, INDArray analytic) {
        return check(f, inputs, i, analytic, java.util.stream.LongStream.range(0, inputs[i].length()).toArray());
    }

    private static void report(String what, Errors e) {
        System.out.printf("gradcheck %-24s %5d elements: max relative error %.2e, max absolute error %.2e (t=%d ms)%n",
                what, e.checked(), e.relative(), e.absolute(), (System.nanoTime() - T0) / 1_000_000);
        assertTrue(e.relative() < TOLERANCE, what + ": max relative error " + e.relative());
        assertTrue(e.absolute() < ABSOLUTE_TOLERANCE, what + ": max absolute error " + e.absolute());
    }
}

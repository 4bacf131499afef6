package dev.parasim.exec.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Our layers against deeplearning4j layers that compute the same function, in fp64. */
class Dl4jComparisonTest {
    private static final double TOLERANCE = 1e-12;

    @Test
    void tiedHeadMatchesOutputLayerWithSoftmaxCrossEntropy() {
        GptConfig c = new GptConfig(1, 8, 2, 32, 13, 6);
        Gpt gpt = new Gpt(c, DataType.DOUBLE);
        INDArray[] p = gpt.init(4);
        Batch batch = SyntheticData.of(c, 2).batch(0, 0, 3);
        int n = batch.tokenCount();
        Nd4j.getRandom().setSeed(5);
        INDArray y = Nd4j.randn(DataType.DOUBLE, n, c.hidden());
        INDArray wte = gpt.layout().views(0, p[0]).get("wte");
        wte.addi(Nd4j.randn(DataType.DOUBLE, wte.shape()).muli(0.5));

        INDArray dEmbedding = Nd4j.zeros(DataType.DOUBLE, p[0].length());
        Activation head = gpt.headForward(p[0], Activation.of(y), batch);
        INDArray dy = gpt.headBackward(p[0], head, dEmbedding).value();
        INDArray dwte = gpt.layout().views(0, dEmbedding).get("wte");

        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(c.hidden()).nOut(c.vocab())
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).hasBias(false).build())
                .build());
        net.init();
        net.setParam("0_W", wte.transpose().dup());
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, n, c.vocab());
        int[] targets = batch.flatTargets();
        for (int i = 0; i < n; i++) labels.putScalar(i, targets[i], 1.0);
        Pair<Gradient, INDArray> dl4j = net.calculateGradients(y, labels, null, null);
        net.setInput(y);
        net.setLabels(labels);
        net.computeGradientAndScore();

        assertEquals(net.score(), head.scalar(), TOLERANCE, "DL4J's score is the mean cross-entropy");
        // DL4J's gradients are sums over the n examples (NOTES-stack.md); ours are of the mean.
        INDArray dl4jW = dl4j.getFirst().getGradientFor("0_W");
        assertEquals(0, dl4jW.div(n).sub(dwte.transpose()).amaxNumber().doubleValue(), TOLERANCE);
        assertEquals(0, dl4j.getSecond().div(n).sub(dy).amaxNumber().doubleValue(), TOLERANCE);
    }

    @Test
    void linearMatchesDenseLayer() {
        int n = 7, in = 5, out = 9;
        Nd4j.getRandom().setSeed(6);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, in), w = Nd4j.randn(DataType.DOUBLE, in, out);
        INDArray b = Nd4j.randn(DataType.DOUBLE, out), dOut = Nd4j.randn(DataType.DOUBLE, n, out);
        INDArray dw = Nd4j.zeros(DataType.DOUBLE, in, out), db = Nd4j.zeros(DataType.DOUBLE, out);
        INDArray ours = Linear.forward(x, w, b);
        INDArray dx = Linear.backward(x, w, dOut, WeightGrads.immediate(java.util.Map.of("l.w", dw, "l.b", db)), "l");

        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).list()
                .layer(new DenseLayer.Builder().nIn(in).nOut(out).activation(org.nd4j.linalg.activations.Activation.IDENTITY).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(out).nOut(1)
                        .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build())
                .build());
        net.init();
        net.initGradientsView();
        net.setParam("0_W", w);
        net.setParam("0_b", b.reshape(1, out));
        var dense = net.getLayer(0);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        INDArray theirs = dense.activate(x, true, mgr);
        Pair<Gradient, INDArray> back = dense.backpropGradient(dOut, mgr);
        assertEquals(0, theirs.sub(ours).amaxNumber().doubleValue(), TOLERANCE);
        assertEquals(0, back.getFirst().getGradientFor("W").sub(dw).amaxNumber().doubleValue(), TOLERANCE);
        assertEquals(0, back.getFirst().getGradientFor("b").reshape(out).sub(db).amaxNumber().doubleValue(), TOLERANCE);
        assertEquals(0, back.getSecond().sub(dx).amaxNumber().doubleValue(), TOLERANCE);
    }
}

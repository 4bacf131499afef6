package dev.parasim.exec.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ZB-H1's split backward (B: input gradients only, keeping what the parameter gradients need; W: those
 * gradients from what B kept) gives bit for bit the fused backward's input and parameter gradients, for
 * every unit of the GPT and for a tensor-parallel block, and keeps exactly the stated tensors between B and W:
 * per block b·s·(8h + 2f) elements (the four linear layers' inputs and output gradients, Qi et al. 2024's
 * M_W: 3h + f input and 5h + f output-gradient elements per token, 16h = 32·s·b·h bytes at 2 B when f = 4h),
 * b·s·(V + h) for the head (dz and its input); none for the final norm and the embedding, whose gradients B
 * computes (as the LayerNorms' inside a block).
 */
class SplitBackwardTest {
    private static final GptConfig CONFIG = TensorParallelReferenceTest.CONFIG;
    private static final int B = 2;

    @ParameterizedTest(name = "{0}")
    @EnumSource(names = {"FLOAT", "DOUBLE"})
    void everyUnitSplitEqualsFused(DataType dtype) {
        Gpt gpt = new Gpt(CONFIG, dtype);
        INDArray[] params = gpt.init(5);
        Batch batch = SyntheticData.of(CONFIG, 2).batch(0, 0, B);
        Activation[] acts = new Activation[params.length];
        Activation x = Activation.none();
        for (int u = 0; u < acts.length; u++) x = acts[u] = gpt.forwardUnit(u, params[u], x, batch);
        Activation head = gpt.headForward(params[0], acts[acts.length - 1], batch);
        long bs = (long) B * CONFIG.seqLen(), h = CONFIG.hidden(), f = CONFIG.ffnHidden(), width = dtype.width();

        INDArray fusedHeadGrad = Nd4j.zeros(dtype, params[0].length());
        Activation fused = gpt.headBackward(params[0], head, fusedHeadGrad);
        WeightGrads headHeld = WeightGrads.deferred(java.util.Map.of());
        Activation split = gpt.headBackward(params[0], head, headHeld);
        assertArrayEquals(flat(fused.value()), flat(split.value()), "head input gradient");
        assertEquals(bs * (CONFIG.vocab() + h) * width, headHeld.bytes(), "head: dz and y");
        assertArrayEquals(fusedHeadGrad.toDoubleVector(), applied(gpt, 0, headHeld).toDoubleVector(), "head wte gradient");

        for (int u = acts.length - 1; u >= 0; u--) {
            INDArray fusedGrad = Nd4j.zeros(dtype, params[u].length());
            Activation dxFused = gpt.backwardUnit(u, params[u], acts[u], fused, fusedGrad);
            INDArray splitGrad = Nd4j.zeros(dtype, params[u].length());
            WeightGrads held = WeightGrads.deferred(gpt.layout().views(u, splitGrad));
            Activation dxSplit = gpt.backwardUnit(u, params[u], acts[u], fused, held);
            long expected = u == 0 || u == gpt.finalNormUnit() ? 0 : bs * (8 * h + 2 * f) * width;
            assertEquals(expected, held.bytes(), "unit " + u + " kept for W");
            if (u > 0) assertArrayEquals(flat(dxFused.value()), flat(dxSplit.value()), "unit " + u + " input gradient");
            held.apply(gpt.layout().views(u, splitGrad));
            assertArrayEquals(fusedGrad.toDoubleVector(), splitGrad.toDoubleVector(), "unit " + u + " parameter gradient");
            assertEquals(0, held.bytes(), "unit " + u + ": W drops what B kept");
            fused = dxFused;
        }
    }


    /**
     * One TP rank's block (t = 2), fed the same phase inputs twice: fused, and with {@code deferWeightGrads}. It
     * keeps b·s·(4h + 4h/t + 2f/t) elements in every mode: the linear layers' natural-order inputs and output
     * gradients, whole (qkv's and fc1's inputs, proj's and fc2's output gradients, gathered under SEQUENCE) or
     * sharded as their weights (the other four); the LayerNorms' gradients go into the shard at once.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TpMode.class)
    void tensorParallelBlockSplitEqualsFused(TpMode mode) {
        int t = 2;
        TensorParallel tp = new TensorParallel(CONFIG, DataType.FLOAT, t, mode);
        INDArray shard = tp.initShard(1, 5, 1);
        Batch batch = SyntheticData.of(CONFIG, 2).batch(0, 0, B);
        long bs = (long) B * CONFIG.seqLen(), h = CONFIG.hidden(), f = CONFIG.ffnHidden();
        long local = tp.localRows(B, CONFIG.seqLen());
        Nd4j.getRandom().setSeed(9);
        INDArray[] inputs = {Nd4j.randn(DataType.FLOAT, local, h), Nd4j.randn(DataType.FLOAT, bs, h), Nd4j.randn(DataType.FLOAT, local, h),
                Nd4j.randn(DataType.FLOAT, bs, h), Nd4j.randn(DataType.FLOAT, local, h), Nd4j.randn(DataType.FLOAT, bs, h),
                Nd4j.randn(DataType.FLOAT, local, h), Nd4j.randn(DataType.FLOAT, bs, h), Nd4j.randn(DataType.FLOAT, local, h),
                Nd4j.randn(DataType.FLOAT, bs, h), Nd4j.randn(DataType.FLOAT, bs, h)};
        INDArray fusedGrad = tp.zeroShard(1);
        TpBlock fused = tp.block(1, 1, shard, fusedGrad, batch);
        INDArray[] fusedOut = run(fused, inputs, mode);
        INDArray splitGrad = tp.zeroShard(1);
        TpBlock split = tp.block(1, 1, shard, splitGrad, batch);
        WeightGrads held = split.deferWeightGrads();
        INDArray[] splitOut = run(split, inputs, mode);
        for (int i = 0; i < fusedOut.length; i++)
            assertArrayEquals(flat(fusedOut[i]), flat(splitOut[i]), "phase output " + i);
        assertEquals(bs * (4 * h + 4 * h / t + 2 * f / t) * 4, held.bytes(), "kept for W");
        held.apply(tp.shards().views(1, splitGrad));
        assertArrayEquals(fusedGrad.toDoubleVector(), splitGrad.toDoubleVector(), "parameter gradient shard");
    }

    /** Runs a block's phases on fixed inputs (norm1 x, gathered ln1, reduced proj, gathered ln2, reduced fc2, then backward); {@return the backward outputs} */
    private static INDArray[] run(TpBlock blk, INDArray[] in, TpMode mode) {
        Function<INDArray, INDArray> copy = INDArray::dup;
        blk.norm1(copy.apply(in[0]));
        blk.attention(copy.apply(in[1]));
        blk.norm2(copy.apply(in[2]));
        blk.mlp(copy.apply(in[3]));
        blk.residual(copy.apply(in[4]));
        boolean again = mode.gathers();   // SEQUENCE keeps local rows and re-gathers them for the backward
        INDArray d2 = again ? blk.mlpBackward(copy.apply(in[5]), copy.apply(in[9])) : blk.mlpBackward(copy.apply(in[5]));
        INDArray dx2 = blk.norm2Backward(copy.apply(in[6]));
        INDArray d1 = again ? blk.attentionBackward(copy.apply(in[7]), copy.apply(in[10])) : blk.attentionBackward(copy.apply(in[7]));
        INDArray dx = blk.norm1Backward(copy.apply(in[8]));
        return new INDArray[] {d2, dx2, d1, dx};
    }

    private static double[] flat(INDArray x) { return Nd4j.toFlattened('c', x).toDoubleVector(); }

    private static INDArray applied(Gpt gpt, int u, WeightGrads held) {
        INDArray grad = Nd4j.zeros(gpt.dtype(), gpt.layout().unitSize(u));
        held.apply(gpt.layout().views(u, grad));
        return grad;
    }
}

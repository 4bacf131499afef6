package dev.parasim.exec.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * A GPT whose forward and backward run one parameter unit at a time, so a strategy need hold only
 * that unit's flat parameter vector. The order for one micro-batch is: {@code forwardUnit} 0, 1, …,
 * L+1 (unit 0 reads the tokens, unit L+1 is the final LayerNorm), then {@link #headForward} (the LM
 * head tied to wte, and the loss: it needs unit 0's parameters again), {@link #headBackward} (adds
 * into unit 0's gradient), then {@code backwardUnit} L+1, …, 0. {@link #forwardBackward} runs exactly
 * that sequence. Rows of every [b·s, h] activation are tokens in order i·s + t. A Gpt holds no
 * mutable state, so one instance may serve concurrent tasks.
 */
public final class Gpt implements java.io.Serializable {
    private static final double INIT_STD = 0.02;

    private final GptConfig config;
    private final DataType dtype;
    private final ParamLayout layout;

    public Gpt(GptConfig config, DataType dtype) {
        if (dtype != DataType.FLOAT && dtype != DataType.DOUBLE)
            throw new IllegalArgumentException("dtype: must be FLOAT or DOUBLE, found " + dtype);
        this.config = config;
        this.dtype = dtype;
        this.layout = ParamLayout.of(config);
    }

    public GptConfig config() { return config; }

    public DataType dtype() { return dtype; }

    public ParamLayout layout() { return layout; }

    /** {@return index of the final-LayerNorm unit: L + 1} */
    public int finalNormUnit() { return config.layers() + 1; }

    /** {@return fresh per-unit flat parameters, GPT-2 init; a pure function of the seed} */
    public INDArray[] init(long seed) {
        INDArray[] units = new INDArray[layout.units()];
        for (int u = 0; u < units.length; u++) units[u] = initUnit(u, seed);
        return units;
    }

    /**
     * {@return unit u's initial flat parameters}: normal(0, 0.02) drawn in double from
     * Random(mix(seed, u)), so any rank can initialise any unit alone. Unlike GPT-2 the residual
     * projections are not scaled by 1/√(2L).
     */
    public INDArray initUnit(int u, long seed) {
        Random rng = new Random(Seeds.mix(seed, u));
        double[] values = new double[Math.toIntExact(layout.unitSize(u))];
        for (ParamLayout.Tensor t : layout.tensors(u)) {
            int from = (int) t.offset(), to = (int) (t.offset() + t.elements());
            switch (t.init()) {
                case NORMAL -> { for (int i = from; i < to; i++) values[i] = INIT_STD * rng.nextGaussian(); }
                case ZEROS -> Arrays.fill(values, from, to, 0.0);
                case ONES -> Arrays.fill(values, from, to, 1.0);
            }
        }
        return Nd4j.createFromArray(values).castTo(dtype);
    }

    /** {@return zero-filled per-unit flat vectors, e.g. gradient accumulators} */
    public INDArray[] zeros() {
        INDArray[] units = new INDArray[layout.units()];
        for (int u = 0; u < units.length; u++) units[u] = Nd4j.zeros(dtype, layout.unitSize(u));
        return units;
    }

    /** Runs unit u forward; unit 0 ignores {@code input} and reads the batch's tokens. */
    public Activation forwardUnit(int u, INDArray unitParams, Activation input, Batch batch) {
        Map<String, INDArray> w = views(u, unitParams, "unitParams");
        if (u == 0) {
            if (batch.seqLen() > config.seqLen())
                throw new IllegalArgumentException("batch.seqLen: must be at most " + config.seqLen() + ", found " + batch.seqLen());
            checkTokens(batch.flatTokens());
            return Embedding.forward(w.get("wte"), w.get("wpe"), batch, config.dropout());
        }
        if (u == finalNormUnit()) {
            LayerNorm.Out out = LayerNorm.forward(input.value(), w.get("lnf.g"), w.get("lnf.b"));
            return new Activation(out.y(), input.value(), Map.of("mean", out.mean(), "rstd", out.rstd()));
        }
        return Block.forward(w, input.value(), batch, u, config.dropout(), config.heads());
    }

    /**
     * Runs unit u backward from the gradient w.r.t. its output, adding its parameter gradient into
     * {@code unitGradAccumulator}; {@return the gradient w.r.t. its input ({@link Activation#none()} for unit 0)}
     */
    public Activation backwardUnit(int u, INDArray unitParams, Activation cached, Activation gradOutput,
                                   INDArray unitGradAccumulator) {
        return backwardUnit(u, unitParams, cached, gradOutput, WeightGrads.immediate(views(u, unitGradAccumulator, "unitGradAccumulator")));
    }

    /**
     * Runs unit u backward, handing its parameter gradients to {@code grads}: with {@link WeightGrads#deferred}
     * this is ZB-H1's B (input gradients, and the LayerNorm and embedding gradients into the sink's accumulator)
     * and {@code grads.apply(layout().views(u, accumulator))} its W (the linear layers' weight gradients).
     * {@return the gradient w.r.t. its input ({@link Activation#none()} for unit 0)}
     */
    public Activation backwardUnit(int u, INDArray unitParams, Activation cached, Activation gradOutput, WeightGrads grads) {
        Map<String, INDArray> w = views(u, unitParams, "unitParams");
        INDArray dOut = gradOutput.value();
        if (u == 0) {
            Embedding.backward(cached, dOut, grads, config.dropout());
            return Activation.none();
        }
        if (u == finalNormUnit())
            return Activation.of(LayerNorm.backward(cached.input(), cached.saved("mean"), cached.saved("rstd"),
                    w.get("lnf.g"), dOut, grads, "lnf"));
        return Activation.of(Block.backward(w, grads, cached, dOut, config.heads(), config.dropout()));
    }

    /**
     * The head step after the final LayerNorm: logits through the tied wte of {@code embeddingParams}
     * (unit 0) and the mean cross-entropy; {@return the loss as a 1-element value} saving the softmax [b·s, V].
     */
    public Activation headForward(INDArray embeddingParams, Activation finalNorm, Batch batch) {
        checkTokens(batch.flatTargets());
        return Head.forward(views(0, embeddingParams, "embeddingParams").get("wte"), finalNorm.value(), batch);
    }

    /** Adds the head's wte gradient into unit 0's accumulator; {@return the gradient w.r.t. the final LayerNorm output} */
    public Activation headBackward(INDArray embeddingParams, Activation head, INDArray embeddingGradAccumulator) {
        return headBackward(embeddingParams, head, WeightGrads.immediate(views(0, embeddingGradAccumulator, "embeddingGradAccumulator")));
    }

    /** The head's backward handing its wte gradient to {@code grads} (views of unit 0); {@return the gradient w.r.t. the final LayerNorm output} */
    public Activation headBackward(INDArray embeddingParams, Activation head, WeightGrads grads) {
        return Activation.of(Head.backward(views(0, embeddingParams, "embeddingParams").get("wte"), head, grads));
    }

    /** Runs one micro-batch forward and backward, adding the loss gradient into unitGrads; {@return the mean loss} */
    public double forwardBackward(INDArray[] unitParams, Batch batch, INDArray[] unitGrads) {
        Activation[] acts = forwardAll(unitParams, batch);
        Activation head = headForward(unitParams[0], acts[acts.length - 1], batch);
        Activation grad = headBackward(unitParams[0], head, unitGrads[0]);
        for (int u = acts.length - 1; u >= 0; u--) grad = backwardUnit(u, unitParams[u], acts[u], grad, unitGrads[u]);
        return head.scalar();
    }

    /** {@return the mean loss of one micro-batch, forward only} */
    public double loss(INDArray[] unitParams, Batch batch) {
        Activation[] acts = forwardAll(unitParams, batch);
        return headForward(unitParams[0], acts[acts.length - 1], batch).scalar();
    }

    private Activation[] forwardAll(INDArray[] unitParams, Batch batch) {
        if (unitParams.length != layout.units())
            throw new IllegalArgumentException("unitParams: must hold " + layout.units() + " units, found " + unitParams.length);
        Activation[] acts = new Activation[layout.units()];
        Activation x = Activation.none();
        for (int u = 0; u < acts.length; u++) x = acts[u] = forwardUnit(u, unitParams[u], x, batch);
        return acts;
    }

    private Map<String, INDArray> views(int u, INDArray flat, String what) {
        if (flat.dataType() != dtype)
            throw new IllegalArgumentException(what + ": must be " + dtype + ", found " + flat.dataType());
        return layout.views(u, flat);
    }

    private void checkTokens(int[] ids) {
        for (int t : ids) {
            if (t < 0 || t >= config.vocab())
                throw new IllegalArgumentException("batch: token ids must be in [0, " + config.vocab() + "), found " + t);
        }
    }
}

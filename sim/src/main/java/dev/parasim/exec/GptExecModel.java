package dev.parasim.exec;

import dev.parasim.exec.model.Activation;
import dev.parasim.exec.model.Batch;
import dev.parasim.exec.model.Gpt;
import dev.parasim.exec.model.GptConfig;
import dev.parasim.exec.model.SyntheticData;
import dev.parasim.exec.model.WeightGrads;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The executed GPT ({@link Gpt}, ND4J) behind {@link ExecModel}: FLOAT arithmetic for fp32 and
 * bf16-mixed (on an fp32 upcast of the stored values), DOUBLE for fp64; data from
 * {@link SyntheticData#of}(config, seed), global micro-batch j of step t = {@code data.batch(t, j, b)}.
 * Only the shape is serialized; the ND4J model is rebuilt where it runs.
 */
final class GptExecModel implements ExecModel {
    private static final long serialVersionUID = 1L;

    private final int layers, hidden, heads, ffnHidden, vocab, seqLen;
    private final double dropout;
    private final long seed;
    private transient Gpt fp32;
    private transient Gpt fp64;
    private transient SyntheticData data;
    private transient java.util.Map<java.util.List<Object>, dev.parasim.exec.model.TensorParallel> tensorParallel;

    public GptExecModel(GptConfig c, long seed) {
        this.layers = c.layers();
        this.hidden = c.hidden();
        this.heads = c.heads();
        this.ffnHidden = c.ffnHidden();
        this.vocab = c.vocab();
        this.seqLen = c.seqLen();
        this.dropout = c.dropout();
        this.seed = seed;
    }

    public GptConfig config() { return new GptConfig(layers, hidden, heads, ffnHidden, vocab, seqLen, dropout); }

    synchronized Gpt gpt(boolean doublePrecision) {
        if (doublePrecision) return fp64 != null ? fp64 : (fp64 = new Gpt(config(), DataType.DOUBLE));
        return fp32 != null ? fp32 : (fp32 = new Gpt(config(), DataType.FLOAT));
    }

    private synchronized SyntheticData data() {
        return data != null ? data : (data = SyntheticData.of(config(), seed));
    }

    /** {@return global micro-batch {@code index} of step {@code step}: {@code sequences} sequences of the synthetic data} */
    public Batch batch(long step, int index, int sequences) { return data().batch(step, index, sequences); }

    /** {@return the model split Megatron-style over t ranks (FLOAT arithmetic, DOUBLE for fp64); built once per JVM} */
    public synchronized dev.parasim.exec.model.TensorParallel tensorParallel(int t, dev.parasim.exec.model.TpMode mode,
                                                                            boolean doublePrecision) {
        if (tensorParallel == null) tensorParallel = new java.util.HashMap<>();
        return tensorParallel.computeIfAbsent(java.util.List.of(t, mode, doublePrecision),
                k -> new dev.parasim.exec.model.TensorParallel(config(), doublePrecision ? DataType.DOUBLE : DataType.FLOAT, t, mode));
    }

    @Override public int units() { return layers + 2; }

    @Override public int unitSize(int u) { return Math.toIntExact(gpt(false).layout().unitSize(u)); }

    @Override public int tiedHeadElements() { return vocab * hidden; }

    @Override public int activationElements(int sequences) { return sequences * seqLen * hidden; }

    @Override
    public double forwardFlops(int u, int sequences) {
        if (u == 0 || u == layers + 1) return 0;
        double bs = (double) sequences * seqLen;
        // Narayanan et al. 2021 eq. 3 terms: QKV, projection and the two MLP GEMMs, plus scores and context.
        return 2 * bs * (4.0 * hidden * hidden + 2.0 * hidden * ffnHidden) + 4 * bs * seqLen * hidden;
    }

    @Override
    public double weightGradFlops(int u, int sequences) {
        if (u == 0 || u == layers + 1) return 0;
        return 2.0 * sequences * seqLen * (4.0 * hidden * hidden + 2.0 * hidden * ffnHidden);
    }

    @Override
    public double headFlops(int sequences) { return 2.0 * sequences * seqLen * hidden * vocab; }

    @Override
    public double[] initUnit(int u, long initSeed) {
        return gpt(true).initUnit(u, initSeed).toDoubleVector();
    }

    @Override
    public Pass begin(long step, int index, int sequences, boolean doublePrecision, boolean recompute) {
        return new GptPass(gpt(doublePrecision), data().batch(step, index, sequences), recompute);
    }

    /**
     * One micro-batch through the GPT; holds its {@link Activation}s (ND4J arrays) between calls, and from a
     * split backward's B to its W each unit's and the head's deferred {@link WeightGrads}. Under full recompute a
     * transformer layer's activation keeps only its output (the next unit's input) until {@link #recompute} rebuilds it.
     */
    private static final class GptPass implements Pass {
        private final Gpt gpt;
        private final Batch batch;
        private final boolean recompute;
        private final Activation[] acts;
        private final WeightGrads[] deferred;
        private Activation head;
        private WeightGrads headDeferred;
        private Activation grad;
        /** The unit whose output {@link #input} set (received from the previous stage), −1 if none. */
        private int received = -1;

        GptPass(Gpt gpt, Batch batch, boolean recompute) {
            this.gpt = gpt;
            this.batch = batch;
            this.recompute = recompute;
            this.acts = new Activation[gpt.layout().units()];
            this.deferred = new WeightGrads[gpt.layout().units()];
        }

        private INDArray nd(int u, double[] params) {
            long n = gpt.layout().unitSize(u);
            double[] exact = params.length == n ? params : java.util.Arrays.copyOf(params, (int) n);
            return Nd4j.createFromArray(exact).castTo(gpt.dtype());
        }

        @Override
        public void forward(int u, double[] params) {
            acts[u] = gpt.forwardUnit(u, nd(u, params), u == 0 ? Activation.none() : acts[u - 1], batch);
            if (replays(u)) acts[u] = Activation.of(acts[u].value());   // drop what the backward would read
        }

        @Override
        public boolean recompute(int u, double[] params) {
            if (!replays(u)) return false;
            acts[u] = gpt.forwardUnit(u, nd(u, params), acts[u - 1], batch);
            return true;
        }

        /** {@return whether unit u is a transformer layer this pass replays (full recompute)} */
        private boolean replays(int u) {
            return recompute && u >= 1 && u < gpt.finalNormUnit();
        }

        @Override
        public double headForward(double[] embedding) {
            head = gpt.headForward(nd(0, embedding), acts[acts.length - 1], batch);
            return head.scalar();
        }

        @Override
        public void headBackward(double[] embedding, double[] embeddingGrad) {
            INDArray acc = Nd4j.zeros(gpt.dtype(), gpt.layout().unitSize(0));
            grad = gpt.headBackward(nd(0, embedding), head, acc);
            head = null;
            add(acc, embeddingGrad);
        }

        @Override
        public void backward(int u, double[] params, double[] g) {
            INDArray acc = Nd4j.zeros(gpt.dtype(), gpt.layout().unitSize(u));
            // The embedding's backward reads no weights: a zero vector stands in for the shape check.
            INDArray weights = params == null ? Nd4j.zeros(gpt.dtype(), gpt.layout().unitSize(u)) : nd(u, params);
            grad = gpt.backwardUnit(u, weights, acts[u], grad, acc);
            acts[u] = null;
            add(acc, g);
        }

        @Override
        public void headBackwardInput(double[] embedding) {
            headDeferred = WeightGrads.deferred(java.util.Map.of());   // the head's one gradient is a linear layer's
            grad = gpt.headBackward(nd(0, embedding), head, headDeferred);
            head = null;
        }

        @Override
        public void headBackwardWeights(double[] embeddingGrad) {
            INDArray acc = Nd4j.zeros(gpt.dtype(), gpt.layout().unitSize(0));
            headDeferred.apply(gpt.layout().views(0, acc));
            headDeferred = null;
            add(acc, embeddingGrad);
        }

        @Override
        public void backwardInput(int u, double[] params, double[] g) {
            INDArray acc = Nd4j.zeros(gpt.dtype(), gpt.layout().unitSize(u));
            deferred[u] = WeightGrads.deferred(gpt.layout().views(u, acc));
            INDArray weights = params == null ? Nd4j.zeros(gpt.dtype(), gpt.layout().unitSize(u)) : nd(u, params);
            grad = gpt.backwardUnit(u, weights, acts[u], grad, deferred[u]);
            acts[u] = null;
            if (u > 0 && received == u - 1) acts[received] = null;   // the received input: only this unit's B read it
            add(acc, g);
        }

        @Override
        public void backwardWeights(int u, double[] g) {
            INDArray acc = Nd4j.zeros(gpt.dtype(), gpt.layout().unitSize(u));
            deferred[u].apply(gpt.layout().views(u, acc));
            deferred[u] = null;
            add(acc, g);
        }

        private static void add(INDArray acc, double[] into) {
            double[] v = acc.toDoubleVector();
            for (int i = 0; i < v.length; i++) into[i] += v[i];
        }

        @Override
        public void input(int u, double[] x) {
            if (u < 1) throw new IllegalArgumentException("unit: the embedding reads tokens, not an input, found " + u);
            acts[u - 1] = Activation.of(matrix(x));
            received = u - 1;
        }

        @Override
        public double[] output(int u) { return Nd4j.toFlattened('c', acts[u].value()).toDoubleVector(); }

        @Override
        public void outputGrad(double[] dy) { grad = Activation.of(matrix(dy)); }

        @Override
        public double[] inputGrad() {
            double[] out = Nd4j.toFlattened('c', grad.value()).toDoubleVector();
            grad = null;
            return out;
        }

        private INDArray matrix(double[] x) {
            int h = gpt.config().hidden();
            return Nd4j.createFromArray(x).castTo(gpt.dtype()).reshape('c', x.length / h, h);
        }

        /**
         * The units' live activations and the head's softmax: what the forward keeps for the backward; from a split
         * backward's B to its W, what the linear layers' weight gradients need (each tensor once: the head keeps
         * its input, the final norm's output, which the final norm's activation holds until its B). The loss
         * (the head's value) is returned, not kept; the gradient flowing back is a transient of the backward.
         */
        @Override
        public long activationBytes() {
            long bytes = 0;
            for (Activation a : acts) if (a != null) bytes += a.bytes();
            if (head != null) bytes += head.savedBytes();
            Set<INDArray> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Activation a : acts) if (a != null) seen.add(a.value());
            for (WeightGrads w : deferred) if (w != null) bytes += w.bytes(seen);
            if (headDeferred != null) bytes += headDeferred.bytes(seen);
            return bytes;
        }
    }
}

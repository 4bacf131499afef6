package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One pre-LayerNorm transformer block on rows [b·s, h]: x₂ = x + drop(proj(attn(qkv(LN₁(x))))), then
 * out = x₂ + drop(fc₂(gelu(fc₁(LN₂(x₂))))), attn dropping its probabilities too (with dropout p > 0, {@link Dropout}).
 * Saved for backward, in elements: LN statistics 4·b·s, the inputs of qkv, proj and fc₁ and LN₂ 4·b·s·h, Q/K/V
 * 3·b·s·h, P heads·b·s², gelu input and output 2·b·s·f, plus the output b·s·h; with dropout the two residual masks
 * 2·b·s·h and the attention's mask and dropped probabilities 2·heads·b·s² (masks 1 B each) — Korthikanti et al. 2022
 * eq. (1).
 */
final class Block {
    private Block() {}

    static Activation forward(Map<String, INDArray> w, INDArray x, Batch batch, int unit, double p, int heads) {
        int b = batch.sequences(), s = batch.seqLen();
        LayerNorm.Out ln1 = LayerNorm.forward(x, w.get("ln1.g"), w.get("ln1.b"));
        INDArray qkv = Linear.forward(ln1.y(), w.get("qkv.w"), w.get("qkv.b"));
        INDArray attentionMask = p == 0 ? null : Dropout.mask(batch.keys(), unit, Dropout.Site.ATTENTION, p, (long) b * heads, s, s);
        Attention.Out attn = Attention.forward(qkv, b, s, heads, attentionMask, p);
        INDArray projected = Linear.forward(attn.att(), w.get("proj.w"), w.get("proj.b"));
        INDArray projMask = p == 0 ? null : Dropout.mask(batch.keys(), unit, Dropout.Site.ATTENTION_OUTPUT, p, projected.shape());
        INDArray x2 = (p == 0 ? projected : Dropout.apply(projected, projMask, p)).addi(x);
        LayerNorm.Out ln2 = LayerNorm.forward(x2, w.get("ln2.g"), w.get("ln2.b"));
        INDArray u = Linear.forward(ln2.y(), w.get("fc1.w"), w.get("fc1.b"));
        INDArray a = Gelu.forward(u);
        INDArray mlp = Linear.forward(a, w.get("fc2.w"), w.get("fc2.b"));
        INDArray mlpMask = p == 0 ? null : Dropout.mask(batch.keys(), unit, Dropout.Site.MLP_OUTPUT, p, mlp.shape());
        INDArray out = (p == 0 ? mlp : Dropout.apply(mlp, mlpMask, p)).addi(x2);
        Map<String, INDArray> saved = new LinkedHashMap<>();
        saved.put("ln1.mean", ln1.mean());
        saved.put("ln1.rstd", ln1.rstd());
        saved.put("ln1.y", ln1.y());
        saved.put("q", attn.q());
        saved.put("k", attn.k());
        saved.put("v", attn.v());
        saved.put("p", attn.p());
        saved.put("att", attn.att());
        saved.put("x2", x2);
        saved.put("ln2.mean", ln2.mean());
        saved.put("ln2.rstd", ln2.rstd());
        saved.put("ln2.y", ln2.y());
        saved.put("fc1.out", u);
        saved.put("gelu.out", a);
        if (p > 0) {
            saved.put("attn.mask", attentionMask);
            saved.put("attn.dropped", attn.dropped());
            saved.put("proj.mask", projMask);
            saved.put("fc2.mask", mlpMask);
        }
        return new Activation(out, x, saved);
    }

    /**
     * Hands the parameter gradients to {@code g}; {@return dL/dx}. Deferred, the linear layers' keep their
     * inputs and output gradients, b·s·(3h + f) + b·s·(5h + f) elements (Qi et al. 2024's M_W, 32·b·s·h bytes at
     * 2 B when f = 4h); the LayerNorms' are computed at once.
     */
    static INDArray backward(Map<String, INDArray> w, WeightGrads g, Activation c, INDArray dOut, int heads, double p) {
        INDArray q = c.saved("q");
        int s = (int) q.size(1), b = (int) (q.size(0) / heads);
        INDArray dMlp = p == 0 ? dOut : Dropout.apply(dOut, c.saved("fc2.mask"), p);
        INDArray da = Linear.backward(c.saved("gelu.out"), w.get("fc2.w"), dMlp, g, "fc2");
        INDArray du = Gelu.backward(c.saved("fc1.out"), da);
        INDArray dy2 = Linear.backward(c.saved("ln2.y"), w.get("fc1.w"), du, g, "fc1");
        INDArray dx2 = LayerNorm.backward(c.saved("x2"), c.saved("ln2.mean"), c.saved("ln2.rstd"), w.get("ln2.g"),
                dy2, g, "ln2").addi(dOut);
        INDArray dProj = p == 0 ? dx2 : Dropout.apply(dx2, c.saved("proj.mask"), p);
        INDArray dAtt = Linear.backward(c.saved("att"), w.get("proj.w"), dProj, g, "proj");
        INDArray dqkv = p == 0 ? Attention.backward(dAtt, q, c.saved("k"), c.saved("v"), c.saved("p"), null, null, 0, b, s, heads)
                : Attention.backward(dAtt, q, c.saved("k"), c.saved("v"), c.saved("p"), c.saved("attn.mask"), c.saved("attn.dropped"),
                p, b, s, heads);
        INDArray dy1 = Linear.backward(c.saved("ln1.y"), w.get("qkv.w"), dqkv, g, "qkv");
        return LayerNorm.backward(c.input(), c.saved("ln1.mean"), c.saved("ln1.rstd"), w.get("ln1.g"), dy1, g, "ln1").addi(dx2);
    }
}

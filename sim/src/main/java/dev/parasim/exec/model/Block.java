package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One pre-LayerNorm transformer block on rows [b·s, h]: x₂ = x + proj(attn(qkv(LN₁(x)))), then
 * out = x₂ + fc₂(gelu(fc₁(LN₂(x₂)))). Saved for backward, in elements: LN statistics 4·b·s, the
 * inputs of qkv, proj and fc₁ and LN₂ 4·b·s·h, Q/K/V 3·b·s·h, P heads·b·s², gelu input and
 * output 2·b·s·f, plus the output b·s·h — Korthikanti et al. 2022 eq. (1) without dropout masks.
 */
final class Block {
    private Block() {}

    static Activation forward(Map<String, INDArray> w, INDArray x, int b, int s, int heads) {
        LayerNorm.Out ln1 = LayerNorm.forward(x, w.get("ln1.g"), w.get("ln1.b"));
        INDArray qkv = Linear.forward(ln1.y(), w.get("qkv.w"), w.get("qkv.b"));
        Attention.Out attn = Attention.forward(qkv, b, s, heads);
        INDArray x2 = Linear.forward(attn.att(), w.get("proj.w"), w.get("proj.b")).addi(x);
        LayerNorm.Out ln2 = LayerNorm.forward(x2, w.get("ln2.g"), w.get("ln2.b"));
        INDArray u = Linear.forward(ln2.y(), w.get("fc1.w"), w.get("fc1.b"));
        INDArray a = Gelu.forward(u);
        INDArray out = Linear.forward(a, w.get("fc2.w"), w.get("fc2.b")).addi(x2);
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
        return new Activation(out, x, saved);
    }

    /**
     * Hands the parameter gradients to {@code g}; {@return dL/dx}. Deferred, the linear layers' keep their
     * inputs and output gradients, b·s·(3h + f) + b·s·(5h + f) elements (Qi et al. 2024's M_W, 32·b·s·h bytes at
     * 2 B when f = 4h); the LayerNorms' are computed at once.
     */
    static INDArray backward(Map<String, INDArray> w, WeightGrads g, Activation c, INDArray dOut, int heads) {
        INDArray q = c.saved("q");
        int s = (int) q.size(1), b = (int) (q.size(0) / heads);
        INDArray da = Linear.backward(c.saved("gelu.out"), w.get("fc2.w"), dOut, g, "fc2");
        INDArray du = Gelu.backward(c.saved("fc1.out"), da);
        INDArray dy2 = Linear.backward(c.saved("ln2.y"), w.get("fc1.w"), du, g, "fc1");
        INDArray dx2 = LayerNorm.backward(c.saved("x2"), c.saved("ln2.mean"), c.saved("ln2.rstd"), w.get("ln2.g"),
                dy2, g, "ln2").addi(dOut);
        INDArray dAtt = Linear.backward(c.saved("att"), w.get("proj.w"), dx2, g, "proj");
        INDArray dqkv = Attention.backward(dAtt, q, c.saved("k"), c.saved("v"), c.saved("p"), b, s, heads);
        INDArray dy1 = Linear.backward(c.saved("ln1.y"), w.get("qkv.w"), dqkv, g, "qkv");
        return LayerNorm.backward(c.input(), c.saved("ln1.mean"), c.saved("ln1.rstd"), w.get("ln1.g"), dy1, g, "ln1").addi(dx2);
    }
}

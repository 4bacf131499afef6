package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.Map;

/**
 * One rank's share of one transformer block for one micro-batch, in phases separated by the
 * collectives the caller runs (Shoeybi et al. 2019 §3, Fig. 3; Korthikanti et al. 2022 §4.2.2, Fig. 5).
 * "Local" tensors have b·s rows under TENSOR and b·s/t under SEQUENCE, row i·(s/t) + j being token
 * r·s/t + j of sequence i. "Gathered" tensors have b·s rows: natural order (i·s + tok) under TENSOR,
 * the t local blocks stacked in rank order under SEQUENCE — what an AllGather of the local blocks
 * returns, and what a ReduceScatter into t equal contiguous chunks splits back. Between phases the
 * caller runs G = AllGather (SEQUENCE) or nothing (TENSOR), and R = {@link TpMode#reduceKind()}:
 * sum-AllReduce (TENSOR) or sum-ReduceScatter (SEQUENCE):
 * <pre>
 * forward:  y = norm1(x)             G(y)  → attention          R(out) → norm2
 *           y = norm2(...)           G(y)  → mlp                R(out) → residual → block output (local)
 * backward: dOut (local)             G     → mlpBackward        R(out) → norm2Backward
 *           dx2 = norm2Backward(...) G     → attentionBackward  R(out) → norm1Backward → input grad (local)
 * </pre>
 * Four R per block (2 forward, 2 backward), each on b·s·h elements; under SEQUENCE also four G of
 * b·s·h gathered elements, and since qkv and fc1 keep only their local input there (Korthikanti et al.
 * 2022 §4.2.3, as Megatron-LM's sequence-parallel linears do), the caller runs G(ln2OutputLocal()) before
 * mlpBackward and G(ln1OutputLocal()) before attentionBackward, passing them as second argument.
 * Parameter gradients are added into the rank's shard accumulator; under SEQUENCE the ln1/ln2
 * gradients are partial (see {@link TpShards#sequenceParallelPartialGrads}). After
 * {@link #deferWeightGrads()} the backward phases compute input gradients (and the LayerNorms' gradients) only and
 * keep what the linear layers' weight gradients need (ZB-H1's B and W, see {@link WeightGrads}). Phases run once each, in the order above.
 */
public final class TpBlock {
    private final TpRegion region;
    private final Map<String, INDArray> w;
    private final Map<String, INDArray> g;
    private WeightGrads grads;
    private final int localHeads;
    private final boolean regather;
    private final Map<String, INDArray> saved = new HashMap<>();

    TpBlock(TpRegion region, Map<String, INDArray> w, Map<String, INDArray> g, int localHeads) {
        this.regather = region.mode.gathers();
        this.region = region;
        this.w = w;
        this.g = g;
        this.grads = WeightGrads.immediate(g);
        this.localHeads = localHeads;
    }

    /**
     * Makes the backward phases keep the four linear layers' inputs and output gradients instead of adding their
     * weight gradients into the accumulator (call before backward 1; the LayerNorms' still go in at once);
     * {@return the kept inputs, for the caller's W to {@link WeightGrads#apply} into {@link TpShards#views} of
     * this unit's gradient shard}
     */
    public WeightGrads deferWeightGrads() {
        grads = WeightGrads.deferred(g);
        return grads;
    }

    /** Forward 1: {@return ln1(x) [local rows, h]} from the block input x [local rows, h]; caller gathers it. */
    public INDArray norm1(INDArray xLocal) {
        region.checkRows("xLocal", xLocal, region.localRows());
        LayerNorm.Out ln = LayerNorm.forward(xLocal, w.get("ln1.g"), w.get("ln1.b"));
        saved.put("x", xLocal);
        saved.put("ln1.mean", ln.mean());
        saved.put("ln1.rstd", ln.rstd());
        if (regather) saved.put("ln1.yLocal", ln.y());
        return ln.y();
    }

    /**
     * Forward 2, column- then row-parallel attention on this rank's a/t heads: {@return the partial proj
     * output [b·s, h] (gathered order, no bias)}; caller reduces it (AllReduce / ReduceScatter).
     */
    public INDArray attention(INDArray ln1Gathered) {
        INDArray y = region.natural(ln1Gathered);
        INDArray qkv = Linear.forward(y, w.get("qkv.w"), w.get("qkv.b"));
        Attention.Out attn = Attention.forward(qkv, region.b, region.s, localHeads);
        if (!regather) saved.put("ln1.y", y);
        saved.put("q", attn.q());
        saved.put("k", attn.k());
        saved.put("v", attn.v());
        saved.put("p", attn.p());
        saved.put("att", attn.att());
        return region.gathered(attn.att().mmul(w.get("proj.w")));
    }

    /**
     * Forward 3: x2 = x + reduced proj + proj.b, the replicated bias added once after the reduction
     * (Shoeybi et al. 2019 §3); {@return ln2(x2) [local rows, h]}; caller gathers it.
     */
    public INDArray norm2(INDArray projReducedLocal) {
        region.checkRows("projReducedLocal", projReducedLocal, region.localRows());
        INDArray x2 = projReducedLocal.addRowVector(w.get("proj.b")).addi(need("x"));
        LayerNorm.Out ln = LayerNorm.forward(x2, w.get("ln2.g"), w.get("ln2.b"));
        saved.put("x2", x2);
        saved.put("ln2.mean", ln.mean());
        saved.put("ln2.rstd", ln.rstd());
        if (regather) saved.put("ln2.yLocal", ln.y());
        return ln.y();
    }

    /**
     * Forward 4, fc1 column-parallel (f/t columns), gelu, fc2 row-parallel (Shoeybi et al. 2019 §3, Fig. 3a):
     * {@return the partial fc2 output [b·s, h] (gathered order, no bias)}; caller reduces it.
     */
    public INDArray mlp(INDArray ln2Gathered) {
        INDArray y = region.natural(ln2Gathered);
        INDArray u = Linear.forward(y, w.get("fc1.w"), w.get("fc1.b"));
        INDArray a = Gelu.forward(u);
        if (!regather) saved.put("ln2.y", y);
        saved.put("fc1.out", u);
        saved.put("gelu.out", a);
        return region.gathered(a.mmul(w.get("fc2.w")));
    }

    /** Forward 5: {@return the block output x2 + reduced fc2 + fc2.b [local rows, h]} */
    public INDArray residual(INDArray fc2ReducedLocal) {
        region.checkRows("fc2ReducedLocal", fc2ReducedLocal, region.localRows());
        return fc2ReducedLocal.addRowVector(w.get("fc2.b")).addi(need("x2"));
    }

    /**
     * Backward 1 under TENSOR, from the output gradient: fc2, gelu, fc1 on this rank's f/t columns;
     * {@return the partial gradient w.r.t. ln2's output [b·s, h]}; caller reduces it (the f conjugate
     * of Shoeybi et al. 2019 §3).
     */
    public INDArray mlpBackward(INDArray dOutGathered) {
        return mlpBackward(dOutGathered, null);
    }

    /**
     * Backward 1 under SEQUENCE: as {@link #mlpBackward(INDArray)} from the gathered output gradient, with
     * fc1's input AllGathered again by the caller from {@link #ln2OutputLocal()} (Korthikanti et al. 2022 §4.2.3).
     */
    public INDArray mlpBackward(INDArray dOutGathered, INDArray ln2Regathered) {
        INDArray ln2 = columnInput("ln2", ln2Regathered);
        saved.put("dOut", region.local(dOutGathered).dup());
        INDArray dOut = region.natural(dOutGathered);
        INDArray da = Linear.backward(need("gelu.out"), w.get("fc2.w"), dOut, grads, "fc2");
        INDArray du = Gelu.backward(need("fc1.out"), da);
        return region.gathered(Linear.backward(ln2, w.get("fc1.w"), du, grads, "fc1"));
    }

    /**
     * Backward 2: {@return dL/dx2 [local rows, h]} = ln2 backward of the reduced gradient + the residual
     * dOut; caller gathers it.
     */
    public INDArray norm2Backward(INDArray dLn2ReducedLocal) {
        region.checkRows("dLn2ReducedLocal", dLn2ReducedLocal, region.localRows());
        INDArray dx2 = LayerNorm.backward(need("x2"), need("ln2.mean"), need("ln2.rstd"), w.get("ln2.g"),
                dLn2ReducedLocal, grads, "ln2").addi(need("dOut"));
        saved.put("dx2", dx2);
        return dx2;
    }

    /**
     * Backward 3 under TENSOR, proj then attention then qkv on this rank's heads: {@return the partial
     * gradient w.r.t. ln1's output [b·s, h]}; caller reduces it.
     */
    public INDArray attentionBackward(INDArray dx2Gathered) {
        return attentionBackward(dx2Gathered, null);
    }

    /** Backward 3 under SEQUENCE, from the gathered dx2: qkv's input AllGathered again by the caller from {@link #ln1OutputLocal()}. */
    public INDArray attentionBackward(INDArray dx2Gathered, INDArray ln1Regathered) {
        INDArray ln1 = columnInput("ln1", ln1Regathered);
        INDArray dx2 = region.natural(dx2Gathered);
        INDArray dAtt = Linear.backward(need("att"), w.get("proj.w"), dx2, grads, "proj");
        INDArray dqkv = Attention.backward(dAtt, need("q"), need("k"), need("v"), need("p"),
                region.b, region.s, localHeads);
        return region.gathered(Linear.backward(ln1, w.get("qkv.w"), dqkv, grads, "qkv"));
    }

    /**
     * Backward 4: {@return dL/dx, the block input gradient [local rows, h]} = ln1 backward of the
     * reduced gradient + dx2.
     */
    public INDArray norm1Backward(INDArray dLn1ReducedLocal) {
        region.checkRows("dLn1ReducedLocal", dLn1ReducedLocal, region.localRows());
        return LayerNorm.backward(need("x"), need("ln1.mean"), need("ln1.rstd"), w.get("ln1.g"),
                dLn1ReducedLocal, grads, "ln1").addi(need("dx2"));
    }

    /**
     * {@return bytes of the tensors this rank keeps for backward after forward 5}: under TENSOR
     * b·s·h·(4 + 4/t) + 2·b·s·f/t + (a/t)·b·s² + 4·b·s elements — Korthikanti et al. 2022 Table 2's
     * tensor-parallel row without dropout masks; under SEQUENCE the block input, x2, the ln1/ln2 outputs
     * (qkv and fc1 inputs, re-gathered in backward) and the LayerNorm statistics shrink t-fold,
     * b·s·h·8/t + 2·b·s·f/t + (a/t)·b·s² + 4·b·s/t — the sequence-parallel row (§4.2.3).
     */
    public long savedBytes() {
        long bytes = 0;
        for (INDArray x : saved.values()) bytes += x.length() * x.dataType().width();
        return bytes;
    }

    /** {@return ln1's local output [b·s/t, h]}, saved under SEQUENCE for the caller to AllGather before attentionBackward */
    public INDArray ln1OutputLocal() { return localOutput("ln1"); }

    /** {@return ln2's local output [b·s/t, h]}, saved under SEQUENCE for the caller to AllGather before mlpBackward */
    public INDArray ln2OutputLocal() { return localOutput("ln2"); }

    private INDArray localOutput(String ln) {
        if (!regather) throw new IllegalStateException("mode: " + ln + "'s local output is kept only under SEQUENCE, found TENSOR");
        return need(ln + ".yLocal");
    }

    /** {@return the natural-order input of the column-parallel layer after {@code ln}: saved, or re-gathered by the caller} */
    private INDArray columnInput(String ln, INDArray regathered) {
        if (regather != (regathered != null))
            throw new IllegalArgumentException(ln + "Regathered: must be given exactly under SEQUENCE, found "
                    + (regathered == null ? "none" : "a tensor") + " under " + region.mode);
        return regather ? region.natural(regathered) : need(ln + ".y");
    }

    private INDArray need(String name) {
        INDArray x = saved.get(name);
        if (x == null) throw new IllegalStateException("phase order: " + name + " is not saved yet; run the phases in the order of the class doc");
        return x;
    }
}

package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Map;

/**
 * One rank's share of the LM head tied to the vocabulary-parallel wte and of the parallel
 * cross-entropy (Shoeybi et al. 2019 §3: "fuse the output of the parallel GEMM with the cross entropy
 * loss, which reduces the dimension to b × s"). Rank r computes logits z_r = y·wte_rᵀ [n, V/t], n = b·s,
 * never gathering the [n, V] logits. Steps, with the caller's collectives:
 * <pre>
 * y = G(final-norm output, local rows)            (AllGather under SEQUENCE, identity under TENSOR)
 * m_r  = localMax(y)          → MAX-AllReduce of n elements → m
 * partials(m) = (Σ_v e^{z−m}, z_target or 0) → two SUM-AllReduces of n elements each → S, z_t
 * loss(S, z_t) = mean(log S + m − z_t)       (the same on every rank)
 * dy_r = backward()           → R of [n, h] (AllReduce / ReduceScatter) → final-norm backward
 * </pre>
 * The max-AllReduce only keeps e^{z−m} in range; any shift common to all ranks gives the same loss.
 * A backend without a MAX reduction can AllGather the t local maxima instead (t·n gathered elements)
 * and take {@link #maxOverRanks}, the same values bit for bit. The two sum AllReduces may be fused into
 * one of 2n elements. Rows are in gathered order throughout.
 */
public final class TpHead {
    private final TpRegion region;
    private final INDArray wte;
    private WeightGrads grads;
    private final INDArray targetOneHot;
    private INDArray y;
    private INDArray logits;
    private INDArray probs;
    private INDArray globalMax;
    private Step next = Step.LOCAL_MAX;

    /** The four steps, in the order they must run once each. */
    private enum Step { LOCAL_MAX, PARTIALS, LOSS, BACKWARD, DONE }

    /**
     * The two per-token partial sums of {@link #partials}, each [n]: Σ_v e^{z − m} over this rank's
     * vocabulary, and the target logit (0 unless this rank holds the target's wte row).
     */
    public record SoftmaxPartials(INDArray sumExp, INDArray targetLogit) {}

    TpHead(TpRegion region, Map<String, INDArray> w, Map<String, INDArray> g, Batch batch, int vocab) {
        this.region = region;
        this.wte = w.get("wte");
        this.grads = WeightGrads.immediate(g);
        this.targetOneHot = TpEmbedding.vocabOneHot(region.gathered(batch.flatTargets()), region.rank, vocab / region.t,
                wte.dataType());
    }

    /**
     * Makes step 4 keep dz [n, V/t] and y [n, h] for the wte gradient instead of adding it (ZB-H1's B);
     * {@return them, for the caller's W to {@link WeightGrads#apply} into {@link TpShards#views} of unit 0's gradient shard}
     */
    public WeightGrads deferWeightGrads() {
        grads = WeightGrads.deferred(Map.of());   // the head's one gradient is a linear layer's
        return grads;
    }

    /** Step 1: logits of this rank's vocabulary; {@return their per-token max [n]}; caller MAX-AllReduces it. */
    public INDArray localMax(INDArray yGathered) {
        advance(Step.LOCAL_MAX);
        region.checkRows("yGathered", yGathered, (long) region.b * region.s);
        y = yGathered;
        logits = yGathered.mmul(wte.transpose());
        return logits.max(1);
    }

    /** Step 2: {@return this rank's Σ e^{z−m} and target logits}, given the reduced max m [n]; caller SUM-AllReduces both. */
    public SoftmaxPartials partials(INDArray globalMax) {
        advance(Step.PARTIALS);
        long n = logits.rows();
        probs = Transforms.exp(logits.subColumnVector(globalMax.reshape(n, 1)), false);
        INDArray sumExp = probs.sum(1);
        INDArray targetLogit = logits.mul(targetOneHot).sum(1);
        this.globalMax = globalMax.reshape(n, 1).dup();
        logits = null;   // backward needs only the softmax: the logits are not kept (Megatron's fused cross-entropy)
        return new SoftmaxPartials(sumExp, targetLogit);
    }

    /**
     * Step 3: {@return the mean cross-entropy} (1/n)·Σ_i (log S_i + m_i − z_i,target) from the reduced
     * S = Σ e^{z−m} [n] and target logits [n]. Every rank must call it: it also finishes softmax(z_r).
     */
    public double loss(INDArray sumExpReduced, INDArray targetLogitReduced) {
        advance(Step.LOSS);
        long n = probs.rows();
        probs.diviColumnVector(sumExpReduced.reshape(n, 1));
        INDArray perToken = Transforms.log(sumExpReduced, true).addi(globalMax.reshape(n)).subi(targetLogitReduced);
        globalMax = null;
        return perToken.sumNumber().doubleValue() / n;
    }

    /**
     * Step 4: hands dzᵀ·y for this rank's wte rows to the gradients, dz = (softmax(z_r) − onehot_r)/n; {@return the
     * partial dL/dy = dz·wte_r [n, h] (gathered order)}; caller reduces it.
     */
    public INDArray backward() {
        advance(Step.BACKWARD);
        long n = probs.rows();
        INDArray dz = probs.sub(targetOneHot).divi(n);
        grads.linear("wte", null, dz, y);
        return dz.mmul(wte);
    }

    /**
     * {@return bytes this rank keeps for {@link #backward} from {@link #partials} on (0 before)}: the [n, V/t] softmax
     * and, under SEQUENCE, the gathered input y [n, h], a copy made for the wte gradient (under TENSOR y is the
     * caller's final-norm output, counted there) — the head's edge terms of activation memory. The one-hot target
     * mask stands for the batch's target ids, input data rather than activations.
     */
    public long savedBytes() {
        if (probs == null) return 0;
        long bytes = probs.length() * probs.dataType().width();
        if (region.mode.gathers()) bytes += y.length() * y.dataType().width();
        return bytes;
    }

    private void advance(Step step) {
        if (next != step) throw new IllegalStateException("phase order: head step " + step + " called, expected " + next);
        next = Step.values()[step.ordinal() + 1];
    }

    /** {@return the elementwise max [n] over the t rank blocks of an AllGather of the local maxima [t·n]} */
    public static INDArray maxOverRanks(INDArray gatheredMaxima, int t) {
        if (gatheredMaxima.length() % t != 0)
            throw new IllegalArgumentException("gatheredMaxima: length must be a multiple of t (" + t + "), found " + gatheredMaxima.length());
        return gatheredMaxima.reshape('c', t, gatheredMaxima.length() / t).max(0);
    }
}

package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where a backward step's parameter gradients go. {@link #immediate} adds each one into the accumulator as
 * soon as the step has its inputs: the fused backward (BW, a single device). {@link #deferred} keeps, for
 * every linear layer (the tied head included), its input and output gradient instead, so the backward
 * computes input gradients only (ZB-H1's B, Qi et al. 2024, arXiv:2401.10241 §2), and {@link #apply} later
 * computes those weight gradients from them (W) and drops them, as the zero-bubble implementation's
 * WeightGradStore queues the weight-gradient GEMMs of its linear layers. The other parameter gradients —
 * the LayerNorms' γ and β, the embedding's — are computed in B into the accumulator in both cases, as in that
 * implementation (they are cheap and would keep x̂ and an output gradient alive otherwise), so what a deferred
 * sink keeps is exactly Qi et al.'s M_W. Gradients go into accumulator views by tensor name
 * ({@link ParamLayout#views}, {@link TpShards#views}). Tensors handed in must not change later.
 */
public final class WeightGrads {
    private final Map<String, INDArray> into;
    private final boolean deferLinear;
    private final List<Held> held = new ArrayList<>();

    /** One deferred weight-gradient GEMM and the tensors it keeps alive until it runs. */
    private record Held(Consumer<Map<String, INDArray>> step, List<INDArray> inputs) {}

    private WeightGrads(Map<String, INDArray> into, boolean deferLinear) {
        this.into = into;
        this.deferLinear = deferLinear;
    }

    /** {@return a sink adding every gradient at once into {@code grads} (views by tensor name)} */
    public static WeightGrads immediate(Map<String, INDArray> grads) { return new WeightGrads(grads, false); }

    /**
     * {@return a sink keeping the linear layers' inputs and output gradients until {@link #apply}, and adding the
     * other gradients (LayerNorm, embedding) at once into {@code grads} (views by tensor name; empty for a step
     * that has none, e.g. the head)}
     */
    public static WeightGrads deferred(Map<String, INDArray> grads) { return new WeightGrads(grads, true); }

    /** The gradient of y = x·W + b: W += xᵀ·dy, b += Σ_rows dy ({@code bias} null: no bias, e.g. the tied head). */
    void linear(String weight, String bias, INDArray x, INDArray dy) {
        Consumer<Map<String, INDArray>> step = g -> {
            g.get(weight).addi(x.transpose().mmul(dy));
            if (bias != null) g.get(bias).addi(dy.sum(0));
        };
        if (deferLinear) held.add(new Held(step, List.of(x, dy)));
        else step.accept(into);
    }

    /** The gradient of y = γ·x̂ + β, computed now (B): γ += Σ_rows dy·x̂, β += Σ_rows dy. */
    void layerNorm(String gain, String bias, INDArray xhat, INDArray dy) {
        into.get(gain).addi(dy.mul(xhat).sum(0));
        into.get(bias).addi(dy.sum(0));
    }

    /** A parameter-gradient step that is not a linear layer's (the embedding's), computed now (B). */
    void now(Consumer<Map<String, INDArray>> step) { step.accept(into); }

    /** W: computes the deferred weight gradients into {@code grads} (views by tensor name), in the order B met them, and drops their inputs. */
    public void apply(Map<String, INDArray> grads) {
        if (!deferLinear) throw new IllegalStateException("weight gradients: an immediate sink has nothing to apply");
        for (Held h : held) h.step().accept(grads);
        held.clear();
    }

    /** {@return bytes of the distinct tensors kept for {@link #apply}} (0 for an immediate sink or once applied) */
    public long bytes() { return bytes(Collections.newSetFromMap(new IdentityHashMap<>())); }

    /** {@return bytes of the tensors kept for {@link #apply} that are not in {@code seen} yet}, adding them to it */
    public long bytes(Set<INDArray> seen) {
        long bytes = 0;
        for (Held h : held)
            for (INDArray t : h.inputs())
                if (seen.add(t)) bytes += t.length() * t.dataType().width();
        return bytes;
    }
}

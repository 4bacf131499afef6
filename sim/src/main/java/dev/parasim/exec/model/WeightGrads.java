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
 * Where a backward step's parameter gradients go. {@link #immediate} adds each one into the accumulator
 * as soon as the step has its inputs: the fused backward (BW, a single device). {@link #deferred} keeps the
 * inputs instead — a linear layer's input and output gradient, a LayerNorm's normalised input x̂ and output
 * gradient, the embedding's token ids and output gradient, the tied head's logit gradient and input — so
 * the backward computes input gradients only (ZB-H1's B, Qi et al. 2024, arXiv:2401.10241 §2), and
 * {@link #apply} later computes every parameter gradient from them (W) and drops them, as the zero-bubble
 * implementation's WeightGradStore queues the weight-gradient GEMMs. Gradients go into accumulator views
 * by tensor name ({@link ParamLayout#views}, {@link TpShards#views}); a deferred store gets them only when
 * applied, so W can add into a rank's gradient buffer directly. Tensors handed in must not change later.
 */
public final class WeightGrads {
    private final Map<String, INDArray> into;
    private final List<Held> held = new ArrayList<>();

    /** One deferred parameter-gradient step and the tensors it keeps alive until it runs. */
    private record Held(Consumer<Map<String, INDArray>> step, List<INDArray> inputs) {}

    private WeightGrads(Map<String, INDArray> into) { this.into = into; }

    /** {@return a sink adding every gradient at once into {@code grads} (views by tensor name)} */
    public static WeightGrads immediate(Map<String, INDArray> grads) { return new WeightGrads(grads); }

    /** {@return a sink keeping every gradient's inputs until {@link #apply}} */
    public static WeightGrads deferred() { return new WeightGrads(null); }

    /** The gradient of y = x·W + b: W += xᵀ·dy, b += Σ_rows dy ({@code bias} null: no bias, e.g. the tied head). */
    void linear(String weight, String bias, INDArray x, INDArray dy) {
        add(g -> {
            g.get(weight).addi(x.transpose().mmul(dy));
            if (bias != null) g.get(bias).addi(dy.sum(0));
        }, x, dy);
    }

    /** The gradient of y = γ·x̂ + β: γ += Σ_rows dy·x̂, β += Σ_rows dy. */
    void layerNorm(String gain, String bias, INDArray xhat, INDArray dy) {
        add(g -> {
            g.get(gain).addi(dy.mul(xhat).sum(0));
            g.get(bias).addi(dy.sum(0));
        }, xhat, dy);
    }

    /** A parameter-gradient step that reads {@code inputs}: run now, or kept with them until {@link #apply}. */
    void add(Consumer<Map<String, INDArray>> step, INDArray... inputs) {
        if (into != null) step.accept(into);
        else held.add(new Held(step, List.of(inputs)));
    }

    /** W: computes the deferred parameter gradients into {@code grads} (views by tensor name), in the order B met them, and drops their inputs. */
    public void apply(Map<String, INDArray> grads) {
        if (into != null) throw new IllegalStateException("weight gradients: an immediate sink has nothing to apply");
        for (Held h : held) h.step().accept(grads);
        held.clear();
    }

    /** {@return bytes of the distinct tensors kept for {@link #apply}} (0 for an immediate sink or once applied) */
    public long bytes() {
        Set<INDArray> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        long bytes = 0;
        for (Held h : held)
            for (INDArray t : h.inputs())
                if (seen.add(t)) bytes += t.length() * t.dataType().width();
        return bytes;
    }
}

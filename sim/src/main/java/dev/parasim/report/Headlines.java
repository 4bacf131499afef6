package dev.parasim.report;

import dev.parasim.analytic.PlanPrediction;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.memory.MemoryBreakdown;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.Precision;
import dev.parasim.spec.Recompute;
import dev.parasim.workload.Parameters;
import dev.parasim.workload.StageSplit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Each headline number of a plan beside the formula it follows, that formula's value where it has one, and its source. */
final class Headlines {
    /** One row: what, ParaSim's number, the formula, the formula's own value (or "—"), and where it comes from. */
    public record Row(String quantity, String value, String formula, String formulaValue, String source) {}

    static final String ZERO = "ZeRO, Rajbhandari et al. 2020 (§5, Table 1)";
    static final String KORTHIKANTI = "Korthikanti et al. 2022 (Table 2)";
    static final String NARAYANAN = "Narayanan et al. 2021 (§2.2)";
    static final String NCCL = "NCCL nccl-tests doc/PERFORMANCE.md";

    private Headlines() {}

    public static List<Row> of(Experiment e, PlanPrediction p) {
        ParallelPlan plan = p.plan();
        MemoryBreakdown m = p.memory();
        List<Row> rows = new ArrayList<>();
        rows.add(modelStates(e, p));
        rows.add(new Row("activations (worst stage)", Units.bytes(m.activationsBytes()), activationFormula(e, plan),
                Units.bytes(Math.round(activationBytes(e, plan))) + (plan.pp() > 1 ? " (stage 0, layers only)" : " (layers only)"), KORTHIKANTI + "; in-flight micro-batches: " + NARAYANAN));
        for (CollectiveKind k : PredictionJson.LISTED) {
            long bytes = p.comm().bytes(k);
            if (bytes > 0) rows.add(new Row(k.label() + " sent per GPU per step", Units.bytes(bytes), collectiveFormula(k), "—", NCCL));
        }
        if (plan.pp() > 1) rows.add(bubble(e, p));
        rows.add(new Row("MFU (with attention FLOPs)", pct(p.mfu()), "model FLOPs / (step time · GPUs · peak); model FLOPs = " + modelFlopsFormula(e.model()),
                "—", "Narayanan et al. 2021 (§5.1); MFU as in Chowdhery et al. 2022"));
        rows.add(new Row("MFU (6·N·D, no attention FLOPs)", pct(p.mfu6ND()),
                e.model().isMoe() ? "6 · active parameters · tokens / (step time · GPUs · peak)"
                        : "6 · parameters · tokens / (step time · GPUs · peak)", "—", "Kaplan et al. 2020 (C ≈ 6ND)"));
        return rows;
    }

    /** {@return the model-FLOPs formula in this model's own terms: Megatron's closed form for a GPT, its general form otherwise} */
    static String modelFlopsFormula(dev.parasim.spec.ModelSpec m) {
        boolean gpt = m.mlp() == dev.parasim.spec.MlpKind.GELU && m.kvWidth() == m.hidden() && m.ffnHidden() == 4L * m.hidden()
                && !m.isMoe();
        if (gpt) return "72·B·s·L·h²(1 + s/(6h) + V/(12Lh)) (GPT: GELU MLP of 4h, one KV head per head)";
        // Flops.forwardPerToken: 2 FLOPs per GEMM weight, 4·s·h for attention, 2·h·V for the logits; ×3 for backward.
        if (m.isMoe())
            return String.format(Locale.ROOT, "3·B·s·(L·(2·W + 4·s·h) + 2·h·V), W = h(h + 2·h_kv) + h² + k·%d·h·f + h·E = %s GEMM weights "
                            + "a token runs through per layer (%s experts, k = %d of E = %d, h_kv = %d, f = %d)",
                    m.mlp() == dev.parasim.spec.MlpKind.SWIGLU ? 3 : 2, Units.count(Math.round(dev.parasim.workload.Flops.gemmWeights(m))),
                    m.mlp() == dev.parasim.spec.MlpKind.SWIGLU ? "SwiGLU" : "GELU", m.moe().topK(), m.moe().experts(), m.kvWidth(), m.ffnHidden());
        return String.format(Locale.ROOT, "3·B·s·(L·(2·W + 4·s·h) + 2·h·V), W = h(h + 2·h_kv) + h² + %d·h·f = %s GEMM weights per layer "
                        + "(%s MLP, h_kv = %d, f = %d)", m.mlp() == dev.parasim.spec.MlpKind.SWIGLU ? 3 : 2,
                Units.count(Math.round(dev.parasim.workload.Flops.gemmWeights(m))), m.mlp() == dev.parasim.spec.MlpKind.SWIGLU ? "SwiGLU" : "GELU",
                m.kvWidth(), m.ffnHidden());
    }

    static Row modelStates(Experiment e, PlanPrediction p) {
        ParallelPlan plan = p.plan();
        Precision precision = e.training().precision();
        int a = precision.paramBytes(), g = precision.gradBytes();
        int k = precision.optimizerBytesPerParam(e.training().optimizer());
        int n = plan.dp() * plan.cp();
        long psi = Parameters.sum(Parameters.stageUnits(e.model(), plan, p.memory().stage()));
        // Under expert parallelism the rank's experts Ψ_e have n_e = dp·cp/ep replicas: what ZeRO shards over n is Ψ − Ψ_e.
        long experts = plan.ep() > 1 ? Parameters.sum(Parameters.stageExpertUnits(e.model(), plan, p.memory().stage())) : 0;
        double sharded = (double) (psi - experts) / n + (plan.ep() > 1 ? (double) experts / plan.edp() : 0);
        String over = plan.ep() > 1 ? "((Ψ − Ψ_e)/n + Ψ_e/n_e)" : "Ψ/n";
        String formula;
        double bytes;
        switch (plan.zero()) {
            case DDP -> { formula = (a + g + k) + "Ψ"; bytes = (a + g + k) * (double) psi; }
            case OPTIMIZER -> { formula = (a + g) + "Ψ + " + k + "·" + over; bytes = (a + g) * (double) psi + k * sharded; }
            case GRADIENTS -> { formula = a + "Ψ + " + (g + k) + "·" + over; bytes = a * (double) psi + (g + k) * sharded; }
            case PARAMETERS -> { formula = (a + g + k) + "·" + over; bytes = (a + g + k) * sharded; }
            default -> throw new IllegalStateException();
        }
        if (plan.ep() == 1) formula = formula.replace("·Ψ/n", "Ψ/n");
        String where = String.format(Locale.ROOT, "%s, Ψ = %s parameters on this GPU (Ψ/(tp·pp)%s), n = dp·cp = %d, K = %d",
                formula, Units.count(psi), plan.ep() > 1 ? ", E/ep experts a layer" : "", n, k);
        if (plan.ep() > 1)
            where += String.format(Locale.ROOT, "; Ψ_e = %s of them experts (E/ep = %d of %d a layer), n_e = dp·cp/ep = %d",
                    Units.count(experts), e.model().moe().experts() / plan.ep(), e.model().moe().experts(), plan.edp());
        return new Row("model states (params + grads + optimizer)", Units.bytes(p.memory().modelStateBytes()), where, Units.bytes(Math.round(bytes)), ZERO);
    }

    static String activationFormula(Experiment e, ParallelPlan plan) {
        boolean sp = plan.sequenceParallel(), dropout = e.model().dropout();
        String perLayer;
        Recompute r = e.training().recompute();
        String linear = sp ? (dropout ? "34/t" : "32/t") : (dropout ? "10 + 24/t" : "8 + 24/t");
        String scores = dropout ? "5·a·s/(h·t)" : "2·a·s/(h·t)";
        if (r == Recompute.FULL) perLayer = sp ? "2·s·b·h/t (layer input only)" : "2·s·b·h (layer input only)";
        else if (r == Recompute.SELECTIVE) perLayer = "s·b·h·" + (sp ? linear : "(" + linear + ")");
        else if (r == Recompute.SELECTIVE_OPS) perLayer = "s·b·h·" + (e.model().flashAttention()
                ? (sp ? "18/t" : "(2 + 16/t)") + " (GPT layout: layer input, qkv and fc1 outputs, the flash kernel's output)"
                : (sp ? "16/t" : "(2 + 14/t)") + " (GPT layout: layer input, qkv and fc1 outputs)");
        else perLayer = "s·b·h·(" + linear + " + " + scores + ")";
        String inFlight = plan.pp() == 1 ? "× L layers"
                : switch (plan.schedule()) {
                    case GPIPE -> "× m·L/p (all micro-batches in flight)";
                    case ONE_F_ONE_B -> "× L on the first stage (p micro-batches of L/p layers)";
                    case ZB_H1 -> "× L on the first stage (p micro-batches of L/p layers) + the M_W of the W's pending then"
                            + " (Qi et al. 2024)";
                    case INTERLEAVED -> "× L·(1 + (p−1)/(p·v)) on the first stage";
                };
        if (e.model().isMoe()) perLayer += " (a dense MLP's; an MoE layer keeps its k experts' terms and the dispatch)";
        return perLayer + " per layer" + (dropout ? "" : " (no dropout)") + " " + inFlight
                + "; the total adds norm statistics and edge terms (each chunk's output, the final norm, the fp32 softmax 4·b·s·V/t)";
    }

    /**
     * {@return Korthikanti's per-layer bytes (16-bit, GPT layout; without the dropout terms when the model has none)
     * times the layers stage 0 keeps in flight, at the precision's activation width}: layers only, no edge terms;
     * context parallelism divides s
     */
    static double activationBytes(Experiment e, ParallelPlan plan) {
        double s = (double) e.model().seqLen() / plan.cp(), b = e.training().microBatch(), h = e.model().hidden();
        double a = e.model().heads(), t = plan.tp(), sFull = e.model().seqLen();
        boolean sp = plan.sequenceParallel(), dropout = e.model().dropout();
        double linear = sp ? (dropout ? 34 : 32) / t : (dropout ? 10 : 8) + 24 / t;
        double perLayer = switch (e.training().recompute()) {
            case FULL -> 2 * s * b * h / (sp ? t : 1);
            case SELECTIVE -> s * b * h * linear;
            case SELECTIVE_OPS -> s * b * h * ((sp ? 2 / t : 2) + (e.model().flashAttention() ? 16 : 14) / t);
            case NONE -> s * b * h * (linear + (dropout ? 5 : 2) * a * sFull / (h * t));
        };
        double p = plan.pp(), v = plan.chunks(), m = e.microBatches(plan);
        // L as stage 0 sees it: p times its own layers (workload.StageSplit), which is L itself when the split is even.
        double layers = (double) StageSplit.of(e.model(), plan).stageLayers(0) * plan.pp();
        double inFlight = p == 1 ? layers : switch (plan.schedule()) {
            case GPIPE -> m * layers / p;
            case ONE_F_ONE_B, ZB_H1 -> Math.min(m, p) * layers / p;
            case INTERLEAVED -> layers * (1 + (p - 1) / (p * v));
        };
        return perLayer * inFlight * e.training().precision().activationBytes() / 2.0;
    }

    static String collectiveFormula(CollectiveKind k) {
        return switch (k) {
            case ALL_REDUCE -> "ring AllReduce 2(n−1)/n·S per call";
            case REDUCE_SCATTER -> "ring ReduceScatter (n−1)/n·S per call";
            case ALL_GATHER -> "ring AllGather (n−1)/n·S per call";
            case ALL_TO_ALL -> "AllToAll (n−1)/n·S per call";
            case SEND_RECV -> "point-to-point S per message (PP: b·s·h per micro-batch per direction)";
            case BROADCAST -> "pipelined broadcast (n−1)/n·S";
        };
    }

    static Row bubble(Experiment e, PlanPrediction p) {
        ParallelPlan plan = p.plan();
        int pp = plan.pp(), m = e.microBatches(plan), v = plan.chunks();
        String formula;
        String closed;
        String source = NARAYANAN;
        switch (plan.schedule()) {
            case GPIPE, ONE_F_ONE_B -> {
                formula = "bubble / ideal = (p−1)/m";
                closed = String.format(Locale.ROOT, "%d/%d = %s", pp - 1, m, pct((pp - 1.0) / m));
            }
            case INTERLEAVED -> {
                formula = "bubble / ideal = (p−1)/(v·m)";
                closed = String.format(Locale.ROOT, "%d/(%d·%d) = %s", pp - 1, v, m, pct((pp - 1.0) / (v * (double) m)));
            }
            case ZB_H1 -> {
                formula = "bubble = (p−1)(T_F + T_B − T_W), vs 1F1B's (p−1)(T_F + T_B + T_W)";
                closed = String.format(Locale.ROOT, "≈ (p−1)/(3m) = %s when T_F = T_B = T_W", pct((pp - 1.0) / (3.0 * m)));
                source = "Zero Bubble PP, Qi et al. 2024 (§3)";
            }
            default -> throw new IllegalStateException();
        }
        String value = String.format(Locale.ROOT, "%s (%s of the bubble-free step)", Units.seconds(p.time().bubbleSeconds()),
                pct(dev.parasim.timeline.Timeline.fraction(p.time().stepSeconds(), p.time().bubbleSeconds())));
        return new Row("pipeline bubble", value, formula + String.format(Locale.ROOT, ", p = %d, m = %d", pp, m), closed, source);
    }


    static String pct(double fraction) { return String.format(Locale.ROOT, "%.1f%%", 100 * fraction); }
}

package dev.parasim.workload;

import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;

import java.util.ArrayList;
import java.util.List;

/**
 * Parameter counts of a decoder-only transformer, exact to the element, and how they split across
 * tensor-parallel ranks and pipeline stages (Megatron layout: vocabulary-parallel embedding, column-
 * then row-parallel linears; norms and row-parallel biases replicated).
 */
public final class Parameters {
    private Parameters() {}

    /** Megatron eq. 2 (Narayanan et al. 2021): P = 12·L·h²·(1 + 13/(12h) + (V + s)/(12·L·h)), as an exact integer. */
    public static long gptEq2(long layers, long hidden, long vocab, long seqLen) {
        return 12 * layers * hidden * hidden + 13 * layers * hidden + (vocab + seqLen) * hidden;
    }

    /** {@return every parameter of the model: embeddings, L layers, final norm, untied head} */
    public static long total(ModelSpec m) {
        return embedding(m) + m.layers() * perLayer(m) + finalNorm(m) + head(m);
    }

    /** {@return parameters of one transformer layer} */
    public static long perLayer(ModelSpec m) {
        return perLayerSharded(m, 1) + perLayerReplicated(m);
    }

    /**
     * {@return parameters of one layer that tensor parallelism splits: weight matrices and column-parallel biases, per
     * rank}; an MoE layer holds {@code moe.experts} MLPs ({@link #mlp} each), every one split over t as a dense MLP is
     */
    public static long perLayerSharded(ModelSpec m, int tp) {
        long h = m.hidden(), kv = m.kvWidth();
        long q = h * h + (m.gptFamily() ? h : 0);
        long proj = h * h;
        long mlps = m.moe().mlps() * mlp(m);
        // K and V (with biases for GPT): split over t, or one replicated head per rank when t > kvHeads (ModelSpec.kvWidthPerRank).
        long keysValues = 2 * kv * (h + (m.gptFamily() ? 1 : 0));
        return (q + proj + mlps) / tp + (tp <= m.kvHeads() ? keysValues / tp : keysValues / m.kvHeads());
    }

    /**
     * {@return parameters of one MLP (one expert of an MoE layer) that TP splits}: SwiGLU 3·h·f, GeLU 2·h·f and fc1's bias
     * f (GeLU's fc2 bias, h, is whole on every TP rank: {@link #perLayerReplicated})
     */
    public static long mlp(ModelSpec m) {
        long h = m.hidden(), f = m.ffnHidden();
        return m.mlp() == MlpKind.SWIGLU ? 3 * h * f : 2 * h * f + f;
    }

    /**
     * {@return parameters of one layer every tensor-parallel rank keeps whole: norms and row-parallel biases, and an MoE
     * layer's router, h·E (Megatron-Core keeps it whole on every TP rank; each rank routes the tokens it holds)}
     */
    public static long perLayerReplicated(ModelSpec m) {
        long h = m.hidden();
        // GPT: two LayerNorms' gains and biases, proj's bias and each MLP's fc2 bias (one per expert).
        return (m.gptFamily() ? 2 * 2 * h + h + m.moe().mlps() * h : 2 * h) + router(m);
    }

    /** {@return an MoE layer's router weights, h·E; none in a dense layer} */
    public static long router(ModelSpec m) {
        return (long) m.hidden() * m.moe().experts();
    }

    /**
     * {@return parameters one token runs through}: every parameter but the experts a token is not routed to, E − k MLPs
     * per layer; the total for a dense model. Mixtral 8x7B: 12.9B of 46.7B (Jiang et al. 2024 §2: 13B of 47B).
     */
    public static long active(ModelSpec m) {
        long expert = mlp(m) + (m.gptFamily() ? m.hidden() : 0);
        return total(m) - (long) m.layers() * (m.moe().mlps() - m.moe().activeExperts()) * expert;
    }

    /** {@return the token embedding V·h, plus s·h learned positions for the GPT family} */
    public static long embedding(ModelSpec m) {
        return (long) m.vocab() * m.hidden() + (m.gptFamily() ? (long) m.seqLen() * m.hidden() : 0);
    }

    /** {@return the final norm: gain and bias (LayerNorm) or gain only (RMSNorm)} */
    public static long finalNorm(ModelSpec m) {
        return m.gptFamily() ? 2L * m.hidden() : m.hidden();
    }

    /** {@return the untied LM head V·h, or 0 when tied to the embedding} */
    public static long head(ModelSpec m) {
        return m.tiedEmbeddings() ? 0 : (long) m.vocab() * m.hidden();
    }

    /**
     * {@return the parameters one rank of pipeline stage {@code stage} holds, in model-state units}: the
     * first stage holds the embedding, the last the final norm and the head; with a tied head and
     * pp > 1 the last stage keeps its own copy of the word embedding (as Megatron does). The stage holds its layers
     * of the default split over pp stages of one chunk ({@link StageSplit#balanced}: L/pp when pp divides L); a plan
     * with chunks or an explicit {@code stageLayers} needs {@link #stageUnits(ModelSpec, ParallelPlan, int)}. The array
     * may be shared with this thread's other calls for the same stage: read it, never write it.
     */
    public static long[] stageUnits(ModelSpec m, int tp, int pp, int stage) {
        return stageUnits(m, tp, pp, stage, m.layers() % pp == 0 ? m.layers() / pp : StageSplit.balanced(m.layers(), pp)[stage], 1);
    }

    /**
     * {@return the parameters one rank of stage {@code stage} of {@code plan} holds, in model-state units}: as
     * {@link #stageUnits(ModelSpec, int, int, int)}, with the stage's layers from the plan's {@link StageSplit}
     * (the sum over its chunks), so uneven stages hold what their split gives them
     */
    public static long[] stageUnits(ModelSpec m, ParallelPlan plan, int stage) {
        return stageUnits(m, plan.tp(), plan.pp(), stage, StageSplit.of(m, plan).stageLayers(stage), plan.ep());
    }

    /**
     * {@return the experts' share of each of {@link #stageUnits(ModelSpec, ParallelPlan, int)}' units on one rank}, in
     * the same order: an MoE layer's E/ep experts (MLP weights and, for GPT, fc2 biases; {@link #experts}) under expert
     * parallelism, 0 for every other unit and for every unit when ep = 1 (the experts then share the dense part's
     * replicas). These elements have dp·cp/ep replicas, the rest of the unit dp·cp.
     */
    public static long[] stageExpertUnits(ModelSpec m, ParallelPlan plan, int stage) {
        long[] units = stageUnits(m, plan, stage);
        long[] experts = new long[units.length];
        if (plan.ep() == 1) return experts;
        int first = stage == 0 ? 1 : 0, layers = StageSplit.of(m, plan).stageLayers(stage);
        for (int l = 0; l < layers; l++) experts[first + l] = experts(m) / plan.ep();
        return experts;
    }

    /**
     * {@return each of {@link #stageUnits(ModelSpec, ParallelPlan, int)}' units less its experts' share
     * ({@link #stageExpertUnits})}: the elements with dp·cp replicas; a new array, the units themselves when ep = 1
     */
    public static long[] stageDenseUnits(ModelSpec m, ParallelPlan plan, int stage) {
        long[] units = stageUnits(m, plan, stage);
        if (plan.ep() == 1) return units;
        long[] experts = stageExpertUnits(m, plan, stage), dense = new long[units.length];
        for (int u = 0; u < units.length; u++) dense[u] = units[u] - experts[u];
        return dense;
    }

    /**
     * {@return one MoE layer's expert parameters, E·(MLP + GPT's fc2 bias h), whole (no TP split: expert parallelism runs
     * with tp 1)}; 0 for a dense layer
     */
    public static long experts(ModelSpec m) {
        return m.isMoe() ? (long) m.moe().experts() * (mlp(m) + (m.gptFamily() ? m.hidden() : 0)) : 0;
    }

    /**
     * The units this thread computed last, per stage modulo {@value #KEPT_STAGES}: the accountant asks for a stage's
     * units about seven times a plan (comm, memory, buffers, step time), and a sweep evaluates thousands of plans on one
     * model, so the array is shared between those calls. Callers only read it.
     */
    private record Computed(ModelSpec m, int tp, int pp, int stage, int layers, int ep, long[] units) {}

    /**
     * Stages kept per thread: more than the deepest pipelines a sweep meets (with 8, a 16- or 32-stage plan's stages
     * evicted each other and every ask computed its units anew: 4% of the million-candidate sweep's allocation).
     */
    private static final int KEPT_STAGES = 128;
    private static final ThreadLocal<Computed[]> COMPUTED = ThreadLocal.withInitial(() -> new Computed[KEPT_STAGES]);

    private static long[] stageUnits(ModelSpec m, int tp, int pp, int stage, int layersPerStage, int ep) {
        Computed[] computed = COMPUTED.get();
        Computed c = computed[stage & (KEPT_STAGES - 1)];
        if (c != null && c.m() == m && c.tp() == tp && c.pp() == pp && c.stage() == stage && c.layers() == layersPerStage
                && c.ep() == ep)
            return c.units();
        long[] units = computeStageUnits(m, tp, pp, stage, layersPerStage, ep);
        computed[stage & (KEPT_STAGES - 1)] = new Computed(m, tp, pp, stage, layersPerStage, ep, units);
        return units;
    }

    private static long[] computeStageUnits(ModelSpec m, int tp, int pp, int stage, int layersPerStage, int ep) {
        boolean first = stage == 0, last = stage == pp - 1;
        // Under expert parallelism a rank holds E/ep of a layer's experts (tp is then 1).
        long layer = perLayerSharded(m, tp) + perLayerReplicated(m) - (ep > 1 ? experts(m) - experts(m) / ep : 0);
        long words = (long) m.vocab() * m.hidden() / tp;
        long positions = m.gptFamily() ? (long) m.seqLen() * m.hidden() : 0;
        int count = layersPerStage + (first ? 1 : 0) + (last ? 1 : 0);
        long[] units = new long[count];
        int i = 0;
        if (first) units[i++] = words + positions;
        for (int l = 0; l < layersPerStage; l++) units[i++] = layer;
        if (last) units[i] = finalNorm(m) + (m.tiedEmbeddings() ? (pp > 1 ? words : 0) : words);
        return units;
    }

    /**
     * {@return the largest parameter tensor of each of {@link #stageUnits}' units, in elements, in the same order}: a
     * layer's fused qkv weight, h·h/t + 2·h·kvWidth per rank, or an MLP weight (one expert's in an MoE layer), h·f/t; the
     * embedding's wte, V·h/t, or the GPT family's wpe, s·h, when larger; the last unit its wte copy or head, V·h/t, or
     * (tied, one stage) its final norm's gain or bias, h. At most this much a rank gathers at once when it gathers each
     * tensor on its own (a unit's largest tensor, ZeRO-3 under {@code zeroGathers: tensors}).
     */
    public static long[] stageUnitLargestTensors(ModelSpec m, ParallelPlan plan, int stage) {
        int pp = plan.pp(), tp = plan.tp(), layersPerStage = StageSplit.of(m, plan).stageLayers(stage);
        boolean first = stage == 0, last = stage == pp - 1;
        long h = m.hidden();
        long qkv = Math.round(h * (h / (double) tp + 2 * m.kvWidthPerRank(tp))), mlp = h * m.ffnHidden() / tp;
        long words = (long) m.vocab() * h / tp;
        long[] largest = new long[layersPerStage + (first ? 1 : 0) + (last ? 1 : 0)];
        int i = 0;
        if (first) largest[i++] = Math.max(words, m.gptFamily() ? (long) m.seqLen() * h : 0);
        for (int l = 0; l < layersPerStage; l++) largest[i++] = Math.max(qkv, mlp);
        if (last) largest[i] = m.tiedEmbeddings() && pp == 1 ? h : words;
        return largest;
    }

    /**
     * {@return how many parameter tensors each of {@link #stageUnits}' units holds}, in the same order: a GPT layer
     * 12 (fused qkv, proj, fc1, fc2 weights and biases, two LayerNorms' gains and biases), a Llama layer 7 (fused qkv,
     * proj, gate, up, down, two RMSNorm gains); the embedding wte (+ wpe), the last unit the final norm's tensors
     * and the head or wte copy when it holds one. A framework that gathers per tensor issues this many collectives.
     */
    public static int[] stageUnitTensors(ModelSpec m, ParallelPlan plan, int stage) {
        int pp = plan.pp(), layersPerStage = StageSplit.of(m, plan).stageLayers(stage);
        boolean first = stage == 0, last = stage == pp - 1;
        int[] tensors = new int[layersPerStage + (first ? 1 : 0) + (last ? 1 : 0)];
        int i = 0;
        if (first) tensors[i++] = m.gptFamily() ? 2 : 1;
        // An MoE layer: attention and norms (GPT 8, Llama 4), the router and each expert's MLP tensors (GPT 4, Llama 3).
        int layer = m.isMoe() ? (m.gptFamily() ? 8 + 1 + 4 * m.moe().experts() : 4 + 1 + 3 * m.moe().experts()) : m.gptFamily() ? 12 : 7;
        for (int l = 0; l < layersPerStage; l++) tensors[i++] = layer;
        if (last) tensors[i] = m.normStatistics() + (m.tiedEmbeddings() && pp == 1 ? 0 : 1);
        return tensors;
    }

    /**
     * {@return the elements of each gradient tensor a stage's rank holds only partially under sequence
     * parallelism}, each all-reduced on its own (Korthikanti et al. 2022 §4.2.2): the norms' parameters, which every TP
     * rank keeps whole but applies to its own sequence shard, and the learned positions added to it — for the GPT family
     * wpe (s·h) on the first stage, per layer ln1's and ln2's gain and bias, the final norm's gain and bias on the last;
     * for the Llama family (rotary positions, RMSNorm) per layer the two norms' gains and the final norm's gain; an MoE
     * layer's router (h·E) as well
     */
    public static List<Long> sequenceParallelPartialGrads(ModelSpec model, long layers, boolean first, boolean last) {
        List<Long> tensors = new ArrayList<>();
        for (Tensors same : sequenceParallelPartialGradSizes(model, layers, first, last))
            for (long k = 0; k < same.count(); k++) tensors.add(same.elements());
        return tensors;
    }

    /** {@code count} tensors of {@code elements} elements each. */
    public record Tensors(long elements, long count) {}

    /**
     * {@return {@link #sequenceParallelPartialGrads}' tensors grouped by size, in the same order}: wpe on the first stage
     * (GPT family), then the norms' tensors of every layer and of the final norm on the last, all of h elements, then an
     * MoE model's routers, h·E each (one entry per size, however many layers: what the accountant sums for every plan of
     * a sweep)
     */
    public static List<Tensors> sequenceParallelPartialGradSizes(ModelSpec model, long layers, boolean first, boolean last) {
        int perNorm = normTensors(model);
        Tensors hidden = new Tensors(model.hidden(), 2 * perNorm * layers + (last ? perNorm : 0));
        List<Tensors> sizes = new ArrayList<>(3);
        if (first && model.gptFamily()) sizes.add(new Tensors((long) model.seqLen() * model.hidden(), 1));
        sizes.add(hidden);
        // An MoE layer's router is whole on every TP rank and routes the rank's sequence shard: its gradient is partial too.
        if (model.isMoe() && layers > 0) sizes.add(new Tensors(router(model), layers));
        return sizes;
    }

    /**
     * {@return the partial gradients of one unit, in {@link #sequenceParallelPartialGrads}' order}: the embedding's
     * (wpe, GPT family only), a layer's or the head unit's (the final norm's); that list taken for the one unit
     */
    public static long[] sequenceParallelPartialUnit(ModelSpec model, boolean embedding, boolean head) {
        return sequenceParallelPartialGrads(model, embedding || head ? 0 : 1, embedding, head).stream()
                .mapToLong(Long::longValue).toArray();
    }

    /** {@return parameter tensors of one norm: gain and bias (LayerNorm, GPT family) or the gain alone (RMSNorm)} */
    private static int normTensors(ModelSpec model) {
        return model.gptFamily() ? 2 : 1;
    }

    /** {@return the model's units (embedding, each layer, final norm with head) on one device} */
    public static long[] units(ModelSpec m) {
        return stageUnits(m, 1, 1, 0);
    }

    public static long sum(long[] units) {
        long s = 0;
        for (long u : units) s += u;
        return s;
    }
}

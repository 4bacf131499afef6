package dev.parasim.report;

import dev.parasim.analytic.CommVolume;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.memory.MemoryBreakdown;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.workload.StageSplit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code predict --json} document: one ordered map per plan, field names as documented in the README. */
public final class PredictionJson {
    /** The collectives every document lists, zero or not. */
    static final List<CollectiveKind> LISTED = List.of(CollectiveKind.ALL_REDUCE, CollectiveKind.REDUCE_SCATTER,
            CollectiveKind.ALL_GATHER, CollectiveKind.SEND_RECV, CollectiveKind.ALL_TO_ALL);

    private PredictionJson() {}

    public static Map<String, Object> document(Experiment e, List<PlanPrediction> predictions) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("experiment", e.name());
        doc.put("model", e.model().name());
        doc.put("cluster", e.cluster().name() + " (" + e.cluster().gpus() + " GPUs)");
        doc.put("plans", predictions.stream().map(p -> plan(e.model(), p)).toList());
        return doc;
    }

    /** {@return one plan's fields; an uneven split of {@code model}'s layers adds {@code stageLayers}} */
    public static Map<String, Object> plan(ModelSpec model, PlanPrediction p) {
        ParallelPlan plan = p.plan();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", plan.name());
        m.put("dp", plan.dp());
        m.put("tp", plan.tp());
        m.put("pp", plan.pp());
        m.put("cp", plan.cp());
        if (plan.ep() > 1) m.put("ep", plan.ep());   // only under expert parallelism
        m.put("zero", plan.zero().number());
        m.put("schedule", plan.pp() == 1 ? "none" : plan.schedule().label());   // no pipeline, no schedule
        m.put("chunks", plan.chunks());
        // Only uneven splits are shown (even ones are L/(p·v) each): layers per virtual stage, workload.StageSplit.
        StageSplit split = StageSplit.of(model, plan);
        if (!split.even()) m.put("stageLayers", split.toList());
        m.put("sequenceParallel", plan.sequenceParallel());
        m.put("world", plan.world());
        m.put("parameters", p.parameters());
        if (p.activeParameters() != p.parameters()) m.put("activeParameters", p.activeParameters());
        m.put("memory", memory(p.memory()));
        m.put("comm", comm(p.comm()));
        Map<String, Object> time = new LinkedHashMap<>();
        time.put("stepSeconds", p.time().stepSeconds());
        time.put("computeSeconds", p.time().computeSeconds());
        time.put("exposedCommSeconds", p.time().exposedCommSeconds());
        time.put("bubbleSeconds", p.time().bubbleSeconds());
        m.put("time", time);
        m.put("mfu", p.mfu());
        m.put("mfu6ND", p.mfu6ND());
        m.put("hfu", p.hfu());
        m.put("tokensPerSecond", p.tokensPerSecond());
        return m;
    }

    static Map<String, Object> memory(MemoryBreakdown b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("paramsBytes", b.paramsBytes());
        m.put("gradsBytes", b.gradsBytes());
        m.put("optimizerBytes", b.optimizerBytes());
        m.put("activationsBytes", b.activationsBytes());
        m.put("activationsBytesByStage", b.activationsBytesByStage());
        m.put("otherBytes", b.otherBytes());
        m.put("peakBytes", b.peakBytes());
        m.put("capacityBytes", b.capacityBytes());
        m.put("worstStage", b.stage());
        m.put("fits", b.fits());
        if (!b.fits()) m.put("reason", b.reason());
        return m;
    }

    static Map<String, Object> comm(CommVolume v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bytesPerGpu", v.bytesPerGpu());
        Map<String, Object> kinds = new LinkedHashMap<>();
        for (CollectiveKind k : LISTED) kinds.put(k.label(), v.bytes(k));
        m.put("byCollective", kinds);
        m.put("byTier", new LinkedHashMap<>(v.byTier()));
        return m;
    }
}

package dev.parasim.report;

import dev.parasim.output.Json;
import dev.parasim.spec.Calibration;
import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.LinkTier;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.TrainingSpec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The loaded experiment written out in full (presets resolved, defaults filled, overrides applied), in a
 * fixed key order: the canonical input of a report, and what its SHA-256 is taken over.
 */
final class ExperimentJson {
    private ExperimentJson() {}

    /** {@return the canonical JSON text of the experiment} */
    public static String canonical(Experiment e) {
        return Json.write(document(e)) + "\n";
    }

    /** {@return the lower-case hex SHA-256 of the canonical JSON's UTF-8 bytes} */
    public static String sha256(Experiment e) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical(e).getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder();
            for (byte b : digest) hex.append(String.format("%02x", b & 0xff));
            return hex.toString();
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", ex);
        }
    }

    public static Map<String, Object> document(Experiment e) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", e.name());
        doc.put("model", model(e.model()));
        doc.put("cluster", cluster(e.cluster()));
        doc.put("training", training(e.training()));
        doc.put("plans", e.plans().stream().map(ExperimentJson::plan).toList());
        e.execute().ifPresent(x -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("steps", x.steps());
            m.put("seed", x.seed());
            m.put("learningRate", x.learningRate());
            m.put("fp64", x.fp64());
            doc.put("execute", m);
        });
        return doc;
    }

    static Map<String, Object> model(ModelSpec m) {
        Map<String, Object> model = ordered("name", m.name(), "layers", m.layers(), "hidden", m.hidden(), "heads", m.heads(),
                "kvHeads", m.kvHeads(), "ffnHidden", m.ffnHidden(), "vocab", m.vocab(), "seqLen", m.seqLen(),
                "mlp", m.mlp().label(), "tiedEmbeddings", m.tiedEmbeddings(), "dropout", m.dropout());
        if (m.isMoe()) {
            Map<String, Object> moe = ordered("experts", m.moe().experts(), "topK", m.moe().topK());
            if (m.moe().capped()) moe.put("capacityFactor", m.moe().capacityFactor());
            model.put("moe", moe);
        }
        return model;
    }

    static Map<String, Object> cluster(ClusterSpec c) {
        Map<String, Object> gpu = ordered("name", c.gpu().name(), "memoryGB", c.gpu().memoryGB(),
                "peakTflops", ordered("fp32", c.gpu().fp32Tflops(), "bf16", c.gpu().bf16Tflops(), "fp8", c.gpu().fp8Tflops()),
                "hbmGBps", c.gpu().hbmGBps());
        List<Map<String, Object>> tiers = c.tiers().stream().map(ExperimentJson::tier).toList();
        Calibration k = c.calibration();
        Map<String, Object> calibration = ordered("gemmEfficiency", k.gemmEfficiency(), "gemmHalfSize", k.gemmHalfSize(),
                "attentionEfficiency", k.attentionEfficiency(), "memoryEfficiency", k.memoryEfficiency(),
                "elementwiseBytes", k.elementwiseBytes(), "tpOverlap", k.tpOverlap(), "dpOverlap", k.dpOverlap(),
                "kernelLaunchUs", k.kernelLaunchUs());
        return ordered("name", c.name(), "gpu", gpu, "gpusPerNode", c.gpusPerNode(), "nodes", c.nodes(), "tiers", tiers,
                "calibration", calibration);
    }

    static Map<String, Object> tier(LinkTier t) {
        return ordered("name", t.name(), "scope", t.scope().label(), "bandwidthGBps", t.bandwidthGBps(),
                "latencyUs", t.latencyUs(), "efficiency", t.efficiency());
    }

    static Map<String, Object> training(TrainingSpec t) {
        Map<String, Object> training = ordered("globalBatch", t.globalBatch(), "microBatch", t.microBatch(), "precision", t.precision().label(),
                "optimizer", t.optimizer().label(), "recompute", t.recompute().label(), "bucketMB", t.bucketMB(),
                "tpCommOverlap", t.tpCommOverlap());
        // Named only when not the default, so experiments written before the setting keep their canonical JSON and hash.
        if (t.zeroGathers() != dev.parasim.spec.ZeroGathers.UNITS) training.put("zeroGathers", t.zeroGathers().label());
        if (t.recomputeEarlyStop()) training.put("recomputeEarlyStop", true);
        if (t.gradReduceFp32()) training.put("gradReduceFp32", true);
        if (t.crossEntropy() != dev.parasim.spec.CrossEntropy.IN_PLACE) training.put("crossEntropy", t.crossEntropy().label());
        return training;
    }

    static Map<String, Object> plan(ParallelPlan p) {
        Map<String, Object> plan = ordered("name", p.name(), "dp", p.dp(), "tp", p.tp(), "pp", p.pp(), "cp", p.cp(),
                "zero", p.zero().number(), "schedule", p.schedule().label(), "chunks", p.chunks(),
                "sequenceParallel", p.sequenceParallel());
        if (!p.stageLayers().isEmpty()) plan.put("stageLayers", p.stageLayers());   // an explicit split, as given
        if (p.ep() > 1) plan.put("ep", p.ep());
        return plan;
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return m;
    }
}

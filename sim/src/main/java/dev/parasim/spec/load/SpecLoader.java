package dev.parasim.spec.load;

import dev.parasim.spec.AttentionKernel;
import dev.parasim.spec.Calibration;
import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.CrossEntropy;
import dev.parasim.spec.ExecuteSpec;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.GpuSpec;
import dev.parasim.spec.LinkTier;
import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.Moe;
import dev.parasim.spec.Node;
import dev.parasim.spec.Optimizer;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.Precision;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.TierScope;
import dev.parasim.spec.TrainingSpec;
import dev.parasim.spec.ZeroGathers;
import dev.parasim.spec.ZeroStage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads experiment YAML into validated specs: presets resolved (inline keys override a preset's),
 * {@code --set} overrides applied first, every key checked, every error a {@link SpecException}.
 */
public final class SpecLoader {
    private SpecLoader() {}

    public static Experiment load(Path file, List<String> overrides) {
        return fromTree(Yaml.parseFile(file), file.toString(), overrides);
    }

    public static Experiment parse(String yaml, List<String> overrides) {
        return fromTree(Yaml.parse(yaml, "experiment"), "experiment", overrides);
    }

    static Experiment fromTree(Object parsed, String source, List<String> overrides) {
        Map<String, Object> tree = resolved(parsed, overrides, source);
        if (tree.containsKey("axes") && !tree.containsKey("plans"))
            throw SpecException.absolute("axes", "belongs to a sweep: this file is a sweep, run it with `sim sweep FILE`",
                    tree.get("axes") instanceof Map<?, ?> axes ? String.join(", ", axes.keySet().stream().map(String::valueOf).toList()) : tree.get("axes"));
        Node root = Node.of("", tree);
        String name = root.string("name");
        ModelSpec model = model(root.child("model"));
        ClusterSpec cluster = cluster(root.child("cluster"));
        TrainingSpec training = SpecException.at("training", () -> training(root.child("training")));
        // Each plan and the execute block are checked on their own, so a file with several bad plans hears of all.
        List<SpecException> problems = new ArrayList<>();
        List<Object> rawPlans = root.list("plans");
        List<ParallelPlan> plans = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < rawPlans.size(); i++) {
            String at = "plans[" + i + "]";
            Node node = Node.of(at, rawPlans.get(i));
            try {
                ParallelPlan plan = SpecException.at(at, () -> plan(node, model, cluster));
                if (!names.add(plan.name())) throw new SpecException(at + ".name", "must be unique", plan.name());
                Experiment.checkPlan(at, plan, model, cluster, training);
                plans.add(plan);
            } catch (SpecException e) {
                problems.add(e);
            }
        }
        Optional<ExecuteSpec> execute = Optional.empty();
        try {
            if (root.has("execute")) execute = Optional.of(SpecException.at("execute", () -> execute(root.child("execute"))));
        } catch (SpecException e) {
            problems.add(e);
        }
        if (!problems.isEmpty()) throw SpecException.all(problems);
        root.done();
        return new Experiment(name, model, cluster, training, plans, execute);
    }

    /**
     * {@return a mutable copy of a parsed document with {@code --set} applied and model/cluster presets merged}:
     * preset choices first, then the presets' keys are reachable by every other override.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> resolved(Object parsed, List<String> overrides, String what) {
        if (!(parsed instanceof Map<?, ?>)) throw new SpecException(what, "must be a mapping", parsed);
        Map<String, Object> tree = (Map<String, Object>) Overrides.deepCopy(parsed);
        Overrides.apply(tree, overrides.stream().filter(SpecLoader::choosesPreset).toList());
        Node top = Node.of("", tree);
        if (tree.containsKey("model")) tree.put("model", resolve(top, "model", Presets.Kind.MODELS));
        if (tree.containsKey("cluster")) tree.put("cluster", resolve(top, "cluster", Presets.Kind.CLUSTERS));
        Overrides.apply(tree, overrides.stream().filter(o -> !choosesPreset(o)).toList());
        return tree;
    }

    private static boolean choosesPreset(String assignment) {
        int eq = assignment.indexOf('=');
        return eq > 0 && assignment.substring(0, eq).trim().endsWith(".preset");
    }

    /** Merges a {@code preset:} reference with the inline keys beside it (inline wins, maps merge deeply). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> resolve(Node root, String key, Presets.Kind kind) {
        Map<String, Object> inline = new LinkedHashMap<>(root.child(key).rawValues());
        Map<String, Object> merged = new LinkedHashMap<>();
        Object preset = inline.remove("preset");
        if (preset != null) {
            if (!(preset instanceof String presetName))
                throw new SpecException(key + ".preset", "must be a preset name", preset);
            merged.putAll(Presets.raw(kind, presetName, key + ".preset"));
        }
        deepMerge(merged, inline);
        return merged;
    }

    @SuppressWarnings("unchecked")
    private static void deepMerge(Map<String, Object> into, Map<String, Object> from) {
        from.forEach((k, v) -> {
            if (v instanceof Map<?, ?> vm && into.get(k) instanceof Map<?, ?> im) {
                Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) im);
                deepMerge(copy, (Map<String, Object>) vm);
                into.put(k, copy);
            } else {
                into.put(k, v);
            }
        });
    }

    /** {@return a bundled cluster preset as is} */
    public static ClusterSpec clusterPreset(String name) {
        return cluster(Node.of("cluster", Overrides.deepCopy(Presets.raw(Presets.Kind.CLUSTERS, name, "cluster.preset"))));
    }

    /** {@return a bundled model preset as is} */
    public static ModelSpec modelPreset(String name) {
        return model(Node.of("model", Overrides.deepCopy(Presets.raw(Presets.Kind.MODELS, name, "model.preset"))));
    }

    static ModelSpec model(Node n) {
        ModelSpec spec = SpecException.at("model", () -> {
            int heads = n.integer("heads");
            int hidden = n.integer("hidden");
            MlpKind mlp = n.choice("mlp", MlpKind.class, MlpKind.GELU);
            return new ModelSpec(n.string("name", "custom"), n.integer("layers"), hidden, heads,
                    n.integer("kvHeads", heads), n.integer("ffnHidden", 4 * hidden), n.integer("vocab"),
                    n.integer("seqLen"), mlp, n.bool("tiedEmbeddings", mlp == MlpKind.GELU), n.bool("dropout", true),
                    n.choice("attention", AttentionKernel.class, AttentionKernel.EAGER), n.has("moe") ? moe(n.child("moe")) : Moe.NONE);
        });
        n.done();
        return spec;
    }

    static Moe moe(Node n) {
        Moe moe = new Moe(n.integer("experts"), n.integer("topK"), n.number("capacityFactor", 0));
        n.done();
        return moe;
    }

    static ClusterSpec cluster(Node n) {
        ClusterSpec spec = SpecException.at("cluster", () -> {
            Node g = n.child("gpu");
            Node peak = g.child("peakTflops");
            GpuSpec gpu = SpecException.at("gpu", () -> new GpuSpec(g.string("name"), g.number("memoryGB"),
                    peak.number("fp32"), peak.number("bf16"), peak.number("fp8", 0), g.number("hbmGBps")));
            peak.done();
            g.done();
            List<Object> rawTiers = n.list("tiers");
            List<LinkTier> tiers = new ArrayList<>();
            for (int i = 0; i < rawTiers.size(); i++) {
                String at = "tiers[" + i + "]";
                Node t = Node.of(n.pathOf(at), rawTiers.get(i));
                tiers.add(SpecException.at(at, () -> new LinkTier(t.string("name"), t.choice("scope", TierScope.class),
                        t.number("bandwidthGBps"), t.number("latencyUs"), t.number("efficiency"))));
                t.done();
            }
            Calibration calibration = n.has("calibration")
                    ? SpecException.at("calibration", () -> calibration(n.child("calibration"), Calibration.forGpu(gpu.name())))
                    : Calibration.forGpu(gpu.name());
            return new ClusterSpec(n.string("name", "custom"), gpu, n.integer("gpusPerNode"), n.integer("nodes"),
                    tiers, calibration);
        });
        n.done();
        return spec;
    }

    static Calibration calibration(Node n, Calibration d) {
        Calibration c = new Calibration(n.number("gemmEfficiency", d.gemmEfficiency()),
                n.number("gemmHalfSize", d.gemmHalfSize()), n.number("attentionEfficiency", d.attentionEfficiency()),
                n.number("attentionHalfSeq", d.attentionHalfSeq()),                n.number("memoryEfficiency", d.memoryEfficiency()), n.number("elementwiseBytes", d.elementwiseBytes()),
                n.number("tpOverlap", d.tpOverlap()), n.number("dpOverlap", d.dpOverlap()),
                n.number("kernelLaunchUs", d.kernelLaunchUs()));
        n.done();
        return c;
    }

    static TrainingSpec training(Node n) {
        TrainingSpec spec = new TrainingSpec(n.integer("globalBatch"), n.integer("microBatch"),
                n.choice("precision", Precision.class), n.choice("optimizer", Optimizer.class, Optimizer.ADAM),
                n.choice("recompute", Recompute.class, Recompute.NONE),
                n.number("bucketMB", TrainingSpec.DEFAULT_BUCKET_MB), n.bool("tpCommOverlap", false),
                n.choice("zeroGathers", ZeroGathers.class, ZeroGathers.UNITS), n.bool("recomputeEarlyStop", false),
                n.bool("gradReduceFp32", false), n.choice("crossEntropy", CrossEntropy.class, CrossEntropy.IN_PLACE));
        n.done();
        return spec;
    }

    static ParallelPlan plan(Node n, ModelSpec model, ClusterSpec cluster) {
        int tp = n.integer("tp", 1);
        int pp = n.integer("pp", 1);
        int cp = n.integer("cp", 1);
        long inner = Math.max(1, (long) tp * pp * cp);
        // dp may be left out: it is then whatever fills the cluster (so --set cluster.nodes keeps plans valid).
        int dp = n.has("dp") ? n.integer("dp") : (int) Math.max(1, cluster.gpus() / inner);
        PipelineSchedule schedule = n.choice("schedule", PipelineSchedule.class, PipelineSchedule.ONE_F_ONE_B);
        ParallelPlan plan = new ParallelPlan(n.string("name"), dp, tp, pp, cp,
                ZeroStage.of(n.integer("zero", 0), "zero"), schedule, n.integer("chunks", 1),
                n.bool("sequenceParallel", false), SweepLoader.ints(n, "stageLayers", List.of()), n.integer("ep", 1));
        n.done();
        return plan;
    }

    static ExecuteSpec execute(Node n) {
        ExecuteSpec spec = new ExecuteSpec(n.integer("steps"), n.longInt("seed"), n.number("learningRate", 1e-3),
                n.bool("fp64", false));
        n.done();
        return spec;
    }
}

package dev.parasim.spec.load;

import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.CrossEntropy;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.Node;
import dev.parasim.spec.Optimizer;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.Precision;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.TrainingSpec;
import dev.parasim.spec.ZeroGathers;
import dev.parasim.spec.ZeroStage;
import dev.parasim.spec.SweepSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/** Reads a sweep YAML as strictly as an experiment: presets, {@code --set}, every key checked. */
public final class SweepLoader {
    private SweepLoader() {}

    public static SweepSpec load(Path file, List<String> overrides) {
        return fromTree(Yaml.parseFile(file), file.toString(), overrides);
    }

    /** {@return a sweep file's text, read with the loader's checks: a regular UTF-8 file of bounded size} */
    public static String read(Path file) {
        return Yaml.readFile(file);
    }

    public static SweepSpec parse(String yaml, List<String> overrides) {
        return parse(yaml, "sweep", overrides);
    }

    /** Parses {@code yaml}; {@code source} (the file's path) names the document in its errors. */
    public static SweepSpec parse(String yaml, String source, List<String> overrides) {
        return fromTree(Yaml.parse(yaml, source), source, overrides);
    }

    @SuppressWarnings("unchecked")
    static SweepSpec fromTree(Object parsed, String source, List<String> overrides) {
        Map<String, Object> tree = SpecLoader.resolved(parsed, overrides, source);
        Node root = Node.of("", tree);
        String name = root.string("name");
        ModelSpec model = SpecLoader.model(root.child("model"));
        Node clusterNode = root.child("cluster");
        if (!clusterNode.has("nodes")) ((Map<String, Object>) tree.get("cluster")).put("nodes", 1);
        ClusterSpec cluster = SpecLoader.cluster(Node.of("cluster", tree.get("cluster")));
        List<Integer> gpus = ints(root, "gpus");
        Node t = root.child("training");
        // The framework's settings hold for every plan; micro-batch and recompute are axes.
        TrainingSpec training = SpecException.at("training", () -> new TrainingSpec(t.integer("globalBatch"), 1,
                t.choice("precision", Precision.class), t.choice("optimizer", Optimizer.class, Optimizer.ADAM),
                Recompute.NONE, t.number("bucketMB", TrainingSpec.DEFAULT_BUCKET_MB), t.bool("tpCommOverlap", false),
                t.choice("zeroGathers", ZeroGathers.class, ZeroGathers.UNITS), t.bool("recomputeEarlyStop", false),
                t.bool("gradReduceFp32", false), t.choice("crossEntropy", CrossEntropy.class, CrossEntropy.IN_PLACE)));
        t.done();
        Node a = root.child("axes");
        // Lists are read with absolute paths; only the record's own checks need the "axes" prefix.
        List<Integer> tp = ints(a, "tp"), pp = ints(a, "pp"), cp = ints(a, "cp", List.of(1));
        List<ZeroStage> zero = list(a, "zero", List.of(ZeroStage.DDP), (path, v) -> {
            int stage = asInt(path, v);
            if (stage < 0 || stage > 3) throw SpecException.absolute(path, "must be in 0..3", stage);
            return ZeroStage.values()[stage];
        });
        List<PipelineSchedule> schedule = list(a, "schedule", List.of(PipelineSchedule.ONE_F_ONE_B),
                (path, v) -> choice(path, v, PipelineSchedule.values()));
        List<Integer> chunks = ints(a, "chunks", List.of(1)), microBatch = ints(a, "microBatch", List.of(1));
        List<Recompute> recompute = list(a, "recompute", List.of(Recompute.NONE), (path, v) -> choice(path, v, Recompute.values()));
        List<Boolean> sequenceParallel = list(a, "sequenceParallel", List.of(false), SweepLoader::asBool);
        List<Integer> ep = ints(a, "ep", List.of(1));
        for (int i = 0; i < ep.size(); i++)
            if (ep.get(i) > 1 && !model.isMoe())
                throw SpecException.absolute(a.pathOf("ep") + "[" + i + "]", "needs a mixture-of-experts model (model.moe)", ep.get(i));
        SweepSpec.Axes axes = SpecException.at("axes", () -> new SweepSpec.Axes(tp, pp, cp, zero, schedule, chunks,
                microBatch, recompute, sequenceParallel, ep));
        a.done();
        SweepSpec.Constraints constraints;
        if (root.has("constraints")) {
            Node c = root.child("constraints");
            constraints = SpecException.at("constraints", () -> new SweepSpec.Constraints(c.bool("tpWithinNode", true),
                    c.bool("mustFit", true), c.number("tokenBudget", 0), c.integer("topK", 10)));
            c.done();
        } else {
            constraints = new SweepSpec.Constraints(true, true, 0, 10);
        }
        root.done();
        return new SweepSpec(name, model, cluster, gpus, training, axes, constraints);
    }

    static List<Integer> ints(Node n, String key) {
        return list(n, key, null, SweepLoader::asInt);
    }

    static List<Integer> ints(Node n, String key, List<Integer> fallback) {
        return list(n, key, fallback, SweepLoader::asInt);
    }

    static <T> List<T> list(Node n, String key, List<T> fallback, BiFunction<String, Object, T> read) {
        if (fallback != null && !n.has(key)) {
            n.raw(key);
            return fallback;
        }
        List<Object> raw = n.list(key);
        List<T> values = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) values.add(read.apply(n.pathOf(key) + "[" + i + "]", raw.get(i)));
        return values;
    }

    static int asInt(String path, Object v) {
        if (v instanceof Integer i) return i;
        throw SpecException.absolute(path, "must be an integer", v);
    }

    static boolean asBool(String path, Object v) {
        if (v instanceof Boolean b) return b;
        throw SpecException.absolute(path, "must be true or false", v);
    }

    static <E extends Enum<E> & Node.Labelled> E choice(String path, Object v, E[] values) {
        String text = String.valueOf(v).toLowerCase(Locale.ROOT);
        for (E e : values) if (e.label().equals(text)) return e;
        List<String> labels = new ArrayList<>();
        for (E e : values) labels.add(e.label());
        throw SpecException.absolute(path, "must be one of " + String.join("|", labels), v);
    }
}

package dev.parasim.teach;

import dev.parasim.collective.CollectiveKind;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.LinkTier;
import dev.parasim.spec.Node;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.load.SpecTrees;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a question bank strictly, as experiment specs are read: unknown keys, a probe naming a plan its setup
 * lacks, a placeholder naming no probe, … are each one {@code path: rule, found value} error.
 */
public final class BankReader {
    static final Pattern ID = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    private BankReader() {}

    static Object resource(String name) {
        try (InputStream in = BankReader.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("bundled question bank " + name + " is missing from the classpath");
            return SpecTrees.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), name);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + name, e);
        }
    }

    /** {@return the bank in a parsed YAML tree; {@code source} names it in errors about the whole document} */
    public static Bank read(Object tree, String source) {
        if (!(tree instanceof Map<?, ?>)) throw SpecException.absolute(source, "must be a mapping with setups and questions", tree);
        Node root = Node.of("", tree);
        Node setupsNode = root.child("setups");
        Map<String, Object> setups = new LinkedHashMap<>();
        Map<String, Experiment> experiments = new LinkedHashMap<>();
        for (var entry : setupsNode.rawValues().entrySet()) {
            String at = "setups." + entry.getKey();
            setupsNode.raw(entry.getKey());
            experiments.put(entry.getKey(), setup(at, entry.getValue()));
            setups.put(entry.getKey(), entry.getValue());
        }
        List<Object> raw = root.list("questions");
        root.done();
        List<Question> questions = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < raw.size(); i++) {
            Question q = question(Node.of("questions[" + i + "]", raw.get(i)), experiments, setups);
            if (!ids.add(q.id())) throw SpecException.absolute("questions[" + i + "].id", "must be unique", q.id());
            questions.add(q);
        }
        return new Bank(setups, questions);
    }

    private static Experiment setup(String at, Object tree) {
        try {
            return SpecTrees.experiment(tree, List.of());
        } catch (SpecException e) {
            throw SpecException.absolute(at + (e.path().isEmpty() ? "" : "." + e.path()), e.rule(), new Rendered(e.found()));
        }
    }

    /** A value already rendered by another error, carried over as is. */
    private record Rendered(String text) {
        @Override public String toString() { return text; }
    }

    static Question question(Node n, Map<String, Experiment> experiments, Map<String, Object> trees) {
        String id = n.string("id");
        if (!ID.matcher(id).matches()) throw SpecException.absolute(n.pathOf("id"), "must be lower-case words joined by -", id);
        Topic topic = n.choice("topic", Topic.class);
        List<Capability> needs = new ArrayList<>();
        if (n.has("needs")) {
            List<Object> list = n.list("needs");
            for (int i = 0; i < list.size(); i++) {
                Node holder = new Node(n.path(), Map.of("needs[" + i + "]", list.get(i) == null ? "" : list.get(i)));
                needs.add(holder.choice("needs[" + i + "]", Capability.class));
            }
        }
        boolean answerable = needs.isEmpty();
        String setup = answerable || n.has("setup") ? n.string("setup") : null;
        Experiment e = null;
        if (setup != null) {
            e = experiments.get(setup);
            if (e == null) throw SpecException.absolute(n.pathOf("setup"), "must name one of setups " + experiments.keySet(), setup);
        }
        Map<String, Probe> probes = new LinkedHashMap<>();
        if (answerable || n.has("probes")) {
            Node p = n.child("probes");
            if (p.rawValues().isEmpty()) throw SpecException.absolute(p.path(), "must not be empty", p.rawValues());
            for (String name : p.rawValues().keySet()) {
                if (!Template.PLACEHOLDER.matcher("{" + name + "}").matches())
                    throw SpecException.absolute(p.pathOf(name), "must be a name of letters, digits and _", name);
                if (e == null) throw SpecException.absolute(p.pathOf(name), "needs a setup to compute on", name);
                probes.put(name, ProbeReader.probe(p.child(name), e, trees.get(setup), probes));
                p.raw(name);
            }
            p.done();
        }
        Map<Lang, Text> text = new LinkedHashMap<>();
        for (Lang lang : Lang.values()) text.put(lang, text(n.child(lang.label()), probes, answerable));
        String formula = n.string("formula");
        checkPlaceholders(n.pathOf("formula"), formula, probes, answerable);
        String source = n.string("source");
        ChartRef chart = answerable || n.has("chart") ? ChartReader.chart(n.child("chart"), e, trees.get(setup), probes) : null;
        n.done();
        return new Question(id, topic, setup, probes, text, formula, source, chart, needs);
    }

    private static Text text(Node n, Map<String, Probe> probes, boolean answerable) {
        Text t = new Text(n.string("q"), n.string("a"), n.string("wrong"));
        checkPlaceholders(n.pathOf("q"), t.question(), probes, answerable);
        checkPlaceholders(n.pathOf("a"), t.answer(), probes, answerable);
        checkPlaceholders(n.pathOf("wrong"), t.wrong(), probes, answerable);
        if (answerable && Template.placeholders(t.answer()).isEmpty())
            throw SpecException.absolute(n.pathOf("a"), "must show at least one computed {probe}", t.answer());
        n.done();
        return t;
    }

    private static void checkPlaceholders(String path, String text, Map<String, Probe> probes, boolean answerable) {
        for (String name : Template.placeholders(text))
            if (!probes.containsKey(name))
                throw SpecException.absolute(path, answerable ? "must use only declared probes " + probes.keySet()
                        : "must not show numbers before its capability exists", "{" + name + "}");
    }

    /** {@return the plan name at {@code key}, checked against the setup's plans} */
    static String plan(Node n, String key, Experiment e) {
        String name = n.string(key);
        List<String> names = e.plans().stream().map(ParallelPlan::name).toList();
        if (!names.contains(name)) throw SpecException.absolute(n.pathOf(key), "must name a plan of the setup " + names, name);
        return name;
    }

    static String tier(Node n, String key, Experiment e) {
        String name = n.string(key);
        List<String> names = e.cluster().tiers().stream().map(LinkTier::name).toList();
        if (!names.contains(name)) throw SpecException.absolute(n.pathOf(key), "must name a tier of the setup's cluster " + names, name);
        return name;
    }

    static CollectiveKind collectiveKind(Node n, String key) {
        Probe.CommPart part = n.choice(key, Probe.CommPart.class);
        if (part.kind == null) throw SpecException.absolute(n.pathOf(key), "must name one collective", part.label());
        return part.kind;
    }
}

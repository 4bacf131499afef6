package dev.parasim.teach;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.Node;
import dev.parasim.spec.SpecException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.parasim.spec.load.SpecTrees;

/** Reads one probe of a question strictly, checking its plan, tier and the probes it refers to. */
final class ProbeReader {
    enum Kind implements Node.Labelled {
        MEMORY("memory"), COMM("comm"), TIME("time"), THROUGHPUT("throughput"), FACT("fact"), PLAN_FACT("plan-fact"),
        LAYER_ACTIVATIONS("layer-activations"), COLLECTIVE("collective"), MAX_MICRO_BATCH("max-micro-batch"),
        RATIO("ratio"), DIFFERENCE("difference");
        private final String label;
        Kind(String label) { this.label = label; }
        @Override public String label() { return label; }
    }

    enum RatioForm implements Node.Labelled {
        RATIO("ratio", Quantity.RATIO), PERCENT("percent", Quantity.PERCENT), NUMBER("number", Quantity.NUMBER);
        private final String label;
        final Quantity quantity;
        RatioForm(String label, Quantity quantity) {
            this.label = label;
            this.quantity = quantity;
        }
        @Override public String label() { return label; }
    }

    private ProbeReader() {}

    static Probe probe(Node n, Experiment e, Object setupTree, Map<String, Probe> earlier) {
        if (!n.has("set")) return plain(n, e, earlier);
        List<Object> raw = n.list("set");
        List<String> set = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            if (!(raw.get(i) instanceof String s) || s.indexOf('=') <= 0)
                throw SpecException.absolute(n.pathOf("set[" + i + "]"), "must be a --set path=value", raw.get(i));
            set.add(s);
        }
        Experiment variant;
        try {
            variant = SpecTrees.experiment(setupTree, set);
        } catch (SpecException ex) {
            throw SpecException.absolute(n.pathOf("set"), "must give a valid setup (" + ex.summary() + ")", raw);
        }
        Probe inner = plain(n, variant, earlier);
        if (inner instanceof Probe.Ratio || inner instanceof Probe.Difference)
            throw SpecException.absolute(n.pathOf("set"), "applies to computed probes, not to ratio or difference", raw);
        return new Probe.WhatIf(inner, set);
    }

    private static Probe plain(Node n, Experiment e, Map<String, Probe> earlier) {
        Kind kind = n.choice("kind", Kind.class);
        Probe probe = switch (kind) {
            case MEMORY -> {
                Probe.MemoryPart part = n.choice("part", Probe.MemoryPart.class);
                String plan = BankReader.plan(n, "plan", e);
                int stage = n.integer("stage", -1);
                boolean staged = part == Probe.MemoryPart.ACTIVATIONS || part == Probe.MemoryPart.BETWEEN_PASSES;
                if (n.has("stage") && (!staged || stage < 0 || stage >= pp(e, plan)))
                    throw SpecException.absolute(n.pathOf("stage"), "must be a pipeline stage of the plan, for parts activations and"
                            + " between-passes only", stage);
                yield new Probe.Memory(plan, part, stage);
            }
            case COMM -> {
                String plan = BankReader.plan(n, "plan", e);
                Probe.CommPart part = n.choice("collective", Probe.CommPart.class, Probe.CommPart.TOTAL);
                String tier = n.has("tier") ? BankReader.tier(n, "tier", e) : null;
                if (tier != null && part != Probe.CommPart.TOTAL)
                    throw SpecException.absolute(n.pathOf("tier"), "counts all collectives: leave out collective", part.label());
                yield new Probe.Comm(plan, part, tier);
            }
            case TIME -> new Probe.Time(BankReader.plan(n, "plan", e), n.choice("part", Probe.TimePart.class));
            case THROUGHPUT -> new Probe.Throughput(BankReader.plan(n, "plan", e), n.choice("metric", Probe.ThroughputMetric.class));
            case FACT -> new Probe.Fact(n.choice("fact", Probe.FactKind.class));
            case PLAN_FACT -> new Probe.PlanFact(BankReader.plan(n, "plan", e), n.choice("fact", Probe.PlanFactKind.class));
            case LAYER_ACTIVATIONS -> new Probe.LayerActivations(BankReader.plan(n, "plan", e));
            case COLLECTIVE -> {
                var collective = BankReader.collectiveKind(n, "collective");
                double mb = n.number("megabytes");
                if (!(mb > 0)) throw SpecException.absolute(n.pathOf("megabytes"), "must be positive", mb);
                int ranks = n.integer("ranks");
                if (ranks < 2 || ranks > e.cluster().gpus())
                    throw SpecException.absolute(n.pathOf("ranks"), "must be between 2 and the cluster's GPUs (" + e.cluster().gpus() + ")", ranks);
                yield new Probe.Collective(collective, Math.round(mb * 1e6), ranks, n.choice("measure", Probe.CollectiveMeasure.class));
            }
            case MAX_MICRO_BATCH -> new Probe.MaxMicroBatch(BankReader.plan(n, "plan", e));
            case RATIO -> {
                String of = earlier(n, "of", earlier), to = earlier(n, "to", earlier);
                yield new Probe.Ratio(of, to, n.choice("as", RatioForm.class, RatioForm.RATIO).quantity);
            }
            case DIFFERENCE -> {
                String of = earlier(n, "of", earlier), minus = earlier(n, "minus", earlier);
                Quantity q = earlier.get(of).quantity();
                if (earlier.get(minus).quantity() != q)
                    throw SpecException.absolute(n.pathOf("minus"), "must be a probe of the same quantity as " + of + " (" + q + ")", minus);
                yield new Probe.Difference(of, minus, q);
            }
        };
        n.done();
        return probe;
    }

    private static int pp(Experiment e, String plan) {
        return e.plans().stream().filter(p -> p.name().equals(plan)).findFirst().orElseThrow().pp();
    }

    private static String earlier(Node n, String key, Map<String, Probe> earlier) {
        String name = n.string(key);
        if (!earlier.containsKey(name))
            throw SpecException.absolute(n.pathOf(key), "must name a probe declared before it " + earlier.keySet(), name);
        return name;
    }
}

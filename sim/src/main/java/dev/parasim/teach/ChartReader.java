package dev.parasim.teach;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.Node;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.load.SpecTrees;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads a question's chart strictly; a sweep's what-ifs are tried on the setup when the bank is read. */
final class ChartReader {
    private ChartReader() {}

    static ChartRef chart(Node n, Experiment e, Object setupTree, Map<String, Probe> probes) {
        if (e == null) throw SpecException.absolute(n.path(), "needs a setup to draw", "a chart");
        ChartRef.Kind kind = n.choice("kind", ChartRef.Kind.class);
        String plan = null, set = null;
        List<Integer> values = List.of();
        List<String> names = List.of();
        switch (kind) {
            case GANTT -> {
                plan = BankReader.plan(n, "plan", e);
                if (e.plans().stream().filter(p -> p.name().equals(n.rawValues().get("plan"))).findFirst().orElseThrow().pp() < 2)
                    throw SpecException.absolute(n.pathOf("plan"), "must be a pipeline plan (pp > 1) to draw its Gantt", n.rawValues().get("plan"));
            }
            case SWEEP -> {
                set = n.string("set");
                values = integers(n, "values");
                names = new ArrayList<>();
                List<Object> raw = n.list("probes");
                Quantity quantity = null;
                for (int i = 0; i < raw.size(); i++) {
                    String at = n.pathOf("probes[" + i + "]");
                    if (!(raw.get(i) instanceof String name) || !probes.containsKey(name))
                        throw SpecException.absolute(at, "must name a probe of the question " + probes.keySet(), raw.get(i));
                    Quantity q = probes.get(name).quantity();
                    if (quantity != null && q != quantity)
                        throw SpecException.absolute(at, "must be a probe of the same quantity as the first (" + quantity + ")", name);
                    quantity = q;
                    names.add(name);
                }
                for (int i = 0; i < values.size(); i++) {
                    String at = n.pathOf("values[" + i + "]");
                    try {
                        SpecTrees.experiment(setupTree, List.of(set + "=" + values.get(i)));
                    } catch (SpecException ex) {
                        throw SpecException.absolute(at, "must give a valid setup when set as " + set + " (" + ex.summary() + ")", values.get(i));
                    }
                }
            }
            default -> { }
        }
        n.done();
        return new ChartRef(kind, plan, set, values, names);
    }

    private static List<Integer> integers(Node n, String key) {
        List<Object> raw = n.list(key);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            if (!(raw.get(i) instanceof Integer v) || v < 1)
                throw SpecException.absolute(n.pathOf(key + "[" + i + "]"), "must be a positive integer", raw.get(i));
            if (!out.isEmpty() && v <= out.get(out.size() - 1))
                throw SpecException.absolute(n.pathOf(key + "[" + i + "]"), "must be larger than the value before it", v);
            out.add(v);
        }
        return out;
    }
}

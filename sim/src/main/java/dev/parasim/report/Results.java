package dev.parasim.report;

import dev.parasim.analytic.PlanPrediction;
import dev.parasim.spec.Experiment;
import dev.parasim.timeline.Timeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * results.json and results.csv: per plan the fields of {@code predict --json}, plus a {@code timeline}
 * summary and the {@code executed} fields when the caller has them.
 */
final class Results {
    private Results() {}

    public static Map<String, Object> document(Experiment e, List<PlanPrediction> predictions, Map<String, Timeline> timelines,
                                               Map<String, Map<String, Object>> executed, Provenance provenance) {
        Map<String, Object> doc = new LinkedHashMap<>(PredictionJson.document(e, List.of()));
        doc.put("provenance", provenance.fields(ExperimentJson.document(e)));
        doc.put("plans", predictions.stream().map(p -> plan(e, p, timelines.get(p.plan().name()), executed.get(p.plan().name()))).toList());
        return doc;
    }

    static Map<String, Object> plan(Experiment e, PlanPrediction p, Timeline timeline, Map<String, Object> executed) {
        Map<String, Object> m = PredictionJson.plan(e.model(), p);
        if (timeline != null) m.put("timeline", timeline(timeline));
        if (executed != null) m.put("executed", executed);
        return m;
    }

    /** {@return the timeline's step breakdown; busy seconds per stage as a list} */
    public static Map<String, Object> timeline(Timeline t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stepSeconds", t.stepSeconds());
        m.put("computeSeconds", t.computeSeconds());
        m.put("exposedCommSeconds", t.exposedCommSeconds());
        m.put("bubbleSeconds", t.bubbleSeconds());
        m.put("stages", t.stages());
        m.put("spans", t.spans().size());
        List<Double> busy = new ArrayList<>();
        for (double b : t.busySeconds()) busy.add(b);
        m.put("busySeconds", busy);
        return m;
    }

    /**
     * {@return one header line and one line per plan}: nested fields flattened to dotted names
     * ({@code memory.peakBytes}, {@code comm.byTier.nvlink}), columns in first-seen order over the plans,
     * {@code memory.reason} always present, lists joined with {@code ;}.
     */
    @SuppressWarnings("unchecked")
    public static String csv(List<Map<String, Object>> plans) {
        List<Map<String, String>> rows = new ArrayList<>();
        Set<String> columns = new LinkedHashSet<>();
        for (Map<String, Object> plan : plans) {
            Map<String, Object> copy = new LinkedHashMap<>(plan);
            Map<String, Object> memory = new LinkedHashMap<>((Map<String, Object>) copy.get("memory"));
            memory.putIfAbsent("reason", "");
            copy.put("memory", memory);
            Map<String, String> flat = new LinkedHashMap<>();
            flatten("", copy, flat);
            rows.add(flat);
            columns.addAll(flat.keySet());
        }
        StringBuilder out = new StringBuilder();
        out.append(String.join(",", columns.stream().map(Results::cell).toList())).append('\n');
        for (Map<String, String> row : rows)
            out.append(String.join(",", columns.stream().map(c -> cell(row.getOrDefault(c, ""))).toList())).append('\n');
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    static void flatten(String prefix, Map<String, Object> map, Map<String, String> into) {
        map.forEach((k, v) -> {
            String name = prefix.isEmpty() ? k : prefix + "." + k;
            if (v instanceof Map<?, ?> inner) flatten(name, (Map<String, Object>) inner, into);
            else if (v instanceof List<?> list) into.put(name, String.join(";", list.stream().map(Results::text).toList()));
            else into.put(name, text(v));
        });
    }

    static String text(Object v) {
        if (v == null) return "";
        if (v instanceof Double d) return Double.toString(d);
        if (v instanceof Float f) return Double.toString(f);
        return String.valueOf(v);
    }

    /** RFC 4180 quoting: a cell with a comma, quote or line break is quoted, quotes doubled. */
    static String cell(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }

}

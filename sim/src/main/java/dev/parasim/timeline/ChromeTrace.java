package dev.parasim.timeline;

import dev.parasim.output.Json;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chrome trace-event JSON (loadable in Perfetto and chrome://tracing): one process per pipeline stage,
 * one thread per lane, complete ("X") events in microseconds.
 */
public final class ChromeTrace {
    private ChromeTrace() {}

    public static String json(Timeline t) {
        List<Object> events = new ArrayList<>();
        for (int s = 0; s < t.stages(); s++) {
            events.add(meta("process_name", s, 0, t.rowNoun() + " " + s));
            events.add(meta("process_sort_index", s, 0, s));
            for (Lane lane : Lane.values()) events.add(meta("thread_name", s, lane.ordinal(), lane.name().toLowerCase()));
        }
        t.spans().stream()
                .sorted(Comparator.comparingInt(Span::stage).thenComparing(Span::lane).thenComparingDouble(Span::startSeconds))
                .forEach(span -> {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("name", span.label());
                    e.put("cat", span.kind().name().toLowerCase());
                    e.put("ph", "X");
                    e.put("pid", span.stage());
                    e.put("tid", span.lane().ordinal());
                    e.put("ts", micros(span.startSeconds()));
                    e.put("dur", micros(span.seconds()));
                    Map<String, Object> args = new LinkedHashMap<>();
                    if (span.microBatch() >= 0) args.put("microBatch", span.microBatch());
                    if (span.chunk() >= 0) args.put("chunk", span.chunk());
                    e.put("args", args);
                    events.add(e);
                });
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("displayTimeUnit", "ms");
        Map<String, Object> other = new LinkedHashMap<>();
        other.put("plan", t.plan());
        other.put("stepSeconds", t.stepSeconds());
        doc.put("otherData", other);
        doc.put("traceEvents", events);
        return Json.write(doc);
    }

    /** Microseconds rounded to nanosecond precision, so the text is stable across platforms. */
    static double micros(double seconds) {
        return Math.round(seconds * 1e9) / 1e3;
    }

    static Map<String, Object> meta(String name, int pid, int tid, Object value) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("name", name);
        e.put("ph", "M");
        e.put("pid", pid);
        e.put("tid", tid);
        e.put("args", Map.of(name.equals("process_sort_index") ? "sort_index" : "name", value));
        return e;
    }
}

package dev.parasim.teach;

import java.util.List;
import java.util.Map;

/**
 * One interview question: its topic, the setup (an experiment spec of the bank) its probes are computed on,
 * the text in each language with placeholders for the probes, the formula and its source, the chart, and the
 * capabilities it still needs (none for a question ParaSim answers today).
 */
public record Question(String id, Topic topic, String setup, Map<String, Probe> probes, Map<Lang, Text> text,
                       String formula, String source, ChartRef chart, List<Capability> needs) {
    public Question {
        probes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(probes));
        text = Map.copyOf(text);
        needs = List.copyOf(needs);
    }

    /** {@return whether ParaSim computes this question's numbers today} */
    public boolean answerable() { return needs.isEmpty(); }

    /** {@return the text in {@code lang}} */
    public Text text(Lang lang) { return text.get(lang); }

    /** {@return the command that regenerates this question's numbers and chart} */
    public String command() { return "scripts/sim explain " + id; }
}

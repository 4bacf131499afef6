package dev.parasim.teach;

import dev.parasim.spec.Experiment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A question answered now: its setup with the {@code --set} what-ifs applied, every probe computed by the
 * accountant, and the templates filled in. A question that needs a missing capability has no values.
 */
public record Answer(Question question, List<String> overrides, Experiment experiment, Map<String, Double> values) {
    public Answer {
        overrides = List.copyOf(overrides);
        values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** {@return {@code q} computed on its setup with {@code overrides}} */
    public static Answer of(Bank bank, Question q, List<String> overrides) {
        if (q.setup() == null) return new Answer(q, overrides, null, Map.of());
        Experiment e = bank.experiment(q.setup(), overrides);
        Map<String, Double> values = new ProbeValues(e, set -> bank.experiment(q.setup(), concat(overrides, set))).evaluate(q.probes());
        return new Answer(q, overrides, e, values);
    }

    static List<String> concat(List<String> first, List<String> then) {
        List<String> all = new java.util.ArrayList<>(first);
        all.addAll(then);
        return all;
    }

    /** {@return each probe's value written for {@code lang}} */
    public Map<String, String> formatted(Lang lang) {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((name, v) -> out.put(name, question.probes().get(name).quantity().format(v, lang)));
        return out;
    }

    /** {@return the question, answer and wrong answer in {@code lang} with the numbers filled in} */
    public Text text(Lang lang) {
        Text t = question.text(lang);
        Map<String, String> f = formatted(lang);
        return new Text(Template.render(t.question(), f), Template.render(t.answer(), f), Template.render(t.wrong(), f));
    }

    /** {@return the formula with its numbers filled in} */
    public String formula() {
        return Template.render(question.formula(), formatted(Lang.EN));
    }
}

package dev.parasim.teach;

import java.util.List;
import java.util.Map;

/** {@code sim explain}'s plain-text pages: one answered question, the bank's list, the missing capabilities. */
public final class Explanation {
    private Explanation() {}

    /** Labels of a page's parts in each language. */
    record Labels(String question, String answer, String formula, String source, String wrong, String numbers,
                  String chart, String command, String missing) {
        static Labels of(Lang lang) {
            return lang == Lang.EN
                    ? new Labels("Question", "Answer", "Formula", "Source", "Common wrong answer", "Numbers", "Chart",
                    "Regenerate", "Not computed yet: needs")
                    : new Labels("问题", "答案", "公式", "出处", "常见错误答案", "数值", "图", "重新生成", "尚未计算:需要");
        }
    }

    /** {@return one answered question as text; {@code chart} is where its chart was written, or null} */
    public static String page(Answer a, Lang lang, String chart) {
        Question q = a.question();
        Labels l = Labels.of(lang);
        StringBuilder out = new StringBuilder();
        out.append(q.id()).append(" — ").append(q.topic().title(lang)).append('\n');
        if (!q.answerable()) out.append(l.missing()).append(' ').append(needs(q, lang)).append('\n');
        Text t = a.text(lang);
        out.append(l.question()).append(": ").append(t.question()).append('\n');
        out.append(l.answer()).append(": ").append(t.answer()).append('\n');
        out.append(l.formula()).append(": ").append(a.formula()).append('\n');
        out.append(l.source()).append(": ").append(q.source()).append('\n');
        out.append(l.wrong()).append(": ").append(t.wrong()).append('\n');
        if (!a.values().isEmpty()) {
            out.append(l.numbers()).append(" (setup ").append(q.setup())
                    .append(a.overrides().isEmpty() ? "" : ", --set " + String.join(" --set ", a.overrides())).append("):\n");
            Map<String, String> f = a.formatted(lang);
            int width = f.keySet().stream().mapToInt(String::length).max().orElse(0);
            int valueWidth = f.values().stream().mapToInt(String::length).max().orElse(0);
            f.forEach((name, value) -> out.append(String.format("  %-" + width + "s = %-" + valueWidth + "s  %s%n", name, value,
                    ProbeText.describe(q.probes().get(name)))));
        }
        if (chart != null) out.append(l.chart()).append(": ").append(chart).append('\n');
        out.append(l.command()).append(": ").append(q.command()).append(lang == Lang.ZH ? " --lang zh" : "").append('\n');
        return out.toString();
    }

    static String needs(Question q, Lang lang) {
        return String.join("; ", q.needs().stream().map(c -> c.label() + " (" + c.description(lang) + ")").toList());
    }

    /** {@return the bank by topic, every question in both languages (numbers filled in)} */
    public static String list(Bank bank, Map<String, Answer> answers) {
        StringBuilder out = new StringBuilder();
        out.append(bank.questions().size()).append(" questions, ")
                .append(bank.questions().stream().filter(Question::answerable).count()).append(" computed now\n");
        for (Topic topic : Topic.values()) {
            List<Question> qs = bank.of(topic);
            if (qs.isEmpty()) continue;
            out.append('\n').append(topic.label()).append(" — ").append(topic.title(Lang.EN)).append(" / ").append(topic.title(Lang.ZH))
                    .append(" (").append(qs.size()).append(")\n");
            for (Question q : qs) {
                Answer a = answers.get(q.id());
                out.append("  ").append(q.id()).append(q.answerable() ? "" : "  [needs " + String.join(", ",
                        q.needs().stream().map(Capability::label).toList()) + "]").append('\n');
                for (Lang lang : Lang.values()) out.append("    ").append(lang.label()).append(": ").append(a.text(lang).question()).append('\n');
            }
        }
        return out.toString();
    }

    /** {@return the questions that need a capability ParaSim lacks, grouped by capability} */
    public static String missing(Bank bank) {
        StringBuilder out = new StringBuilder();
        long count = bank.questions().stream().filter(q -> !q.answerable()).count();
        out.append(count).append(" of ").append(bank.questions().size()).append(" questions need a capability not built yet\n");
        for (Capability c : Capability.values()) {
            List<Question> qs = bank.questions().stream().filter(q -> q.needs().contains(c)).toList();
            if (qs.isEmpty()) continue;
            out.append('\n').append(c.label()).append(": ").append(c.description(Lang.EN)).append(" / ").append(c.description(Lang.ZH)).append('\n');
            for (Question q : qs) out.append("  ").append(q.id()).append(" — ").append(q.text(Lang.EN).question()).append('\n');
        }
        return out.toString();
    }
}

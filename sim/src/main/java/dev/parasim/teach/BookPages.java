package dev.parasim.teach;

import java.util.List;
import java.util.Map;

/** The book's HTML: plain pages with one shared stylesheet, relative links only, no scripts, no external fetches. */
final class BookPages {
    static final String CSS = """
            :root { color-scheme: light; }
            body { font-family: "DejaVu Sans", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Segoe UI", Helvetica, Arial, sans-serif;
                   font-size: 15px; line-height: 1.55; color: #222; background: #fff; max-width: 1100px; margin: 0 auto; padding: 20px 32px 64px; }
            h1 { font-size: 26px; margin: 8px 0 10px; }
            h2 { font-size: 20px; margin: 30px 0 8px; padding-bottom: 4px; border-bottom: 2px solid #e4e4e4; }
            nav { font-size: 14px; display: flex; gap: 18px; flex-wrap: wrap; border-bottom: 1px solid #eee; padding-bottom: 8px; }
            .topic { color: #666; font-size: 14px; }
            .callout { border-left: 5px solid #4e79a7; background: #f1f5fa; padding: 10px 16px; margin: 14px 0; border-radius: 3px; }
            .callout.alert { border-left-color: #b2182b; background: #fbf0f0; }
            .callout.missing { border-left-color: #e08214; background: #fdf5ea; }
            .callout strong { margin-right: 6px; }
            table { border-collapse: collapse; font-size: 14px; margin: 8px 0 16px; }
            th, td { border: 1px solid #ddd; padding: 5px 10px; vertical-align: top; text-align: left; }
            thead th { background: #f4f4f4; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            figure { margin: 18px 0 24px; }
            figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
            figcaption { font-size: 13px; color: #555; }
            pre, code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
            pre { background: #f6f8fa; border: 1px solid #e4e4e4; padding: 12px; overflow-x: auto; font-size: 13px; white-space: pre-wrap; }
            ul.questions li { margin: 4px 0; }
            .tag { font-size: 12px; color: #8a4b08; background: #fdf0dc; border-radius: 3px; padding: 1px 6px; margin-left: 6px; }
            a { color: #1f5fa8; }
            pre.cell { background: #f3f6fb; border-left: 4px solid #4e79a7; }
            pre.output, div.output { margin-left: 16px; }
            pre.output { background: #fff; }
            """;

    /** Words of the book's pages in each language. */
    record Words(String book, String index, String topic, String answer, String numbers, String name, String value, String what,
                 String formula, String source, String wrong, String chart, String png, String commands, String setup,
                 String missing, String previous, String next, String intro) {
        static Words of(Lang lang) {
            return lang == Lang.EN
                    ? new Words("ParaSim interview book", "All questions", "Topic", "Answer", "Numbers, computed by ParaSim's accountant",
                    "probe", "value", "what it is", "Formula", "Source", "Common wrong answer", "Chart", "PNG", "Regenerate",
                    "Setup (experiment spec)", "Not computed yet: needs", "previous", "next",
                    "Distributed-training interview questions, each answered with numbers ParaSim computes from a stated model, "
                            + "cluster and plan, the formula and its source, the chart that shows it and the command that regenerates it.")
                    : new Words("ParaSim 面试题集", "全部问题", "主题", "答案", "数值(由 ParaSim 的解析模型计算)", "探针", "数值", "含义",
                    "公式", "出处", "常见错误答案", "图", "PNG", "重新生成", "实验设置(实验规格)", "尚未计算:需要", "上一题", "下一题",
                    "分布式训练面试题:每道题的数值都由 ParaSim 按给定的模型、集群和并行方案计算得出,并附公式与出处、图表以及重新生成它的命令。");
        }
    }

    private BookPages() {}

    static String head(Lang lang, String title, String css) {
        return "<!DOCTYPE html>\n<html lang=\"" + (lang == Lang.EN ? "en" : "zh-CN") + "\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" + escape(title) + "</title>\n"
                + "<link rel=\"stylesheet\" href=\"" + css + "\">\n</head>\n<body>\n";
    }

    static final String TAIL = "</body>\n</html>\n";

    /** {@return the top index: every topic with its questions in both languages} */
    static String home(Bank bank, Map<String, Answer> answers, boolean notebooks) {
        StringBuilder out = new StringBuilder(head(Lang.EN, Words.of(Lang.EN).book() + " / " + Words.of(Lang.ZH).book(), "style.css"));
        out.append("<h1>").append(escape(Words.of(Lang.EN).book())).append(" / ").append(escape(Words.of(Lang.ZH).book())).append("</h1>\n");
        for (Lang l : Lang.values())
            out.append("<p lang=\"").append(l.label()).append("\">").append(escape(Words.of(l).intro()))
                    .append(" <a href=\"").append(l.label()).append("/index.html\">").append(escape(l.displayName())).append("</a></p>\n");
        if (notebooks)
            out.append("<p><a href=\"notebooks/index.html\">Notebooks / 笔记本</a>: ").append(escape(NotebookPages.INTRO)).append("</p>\n");
        for (Topic t : Topic.values()) {
            List<Question> qs = bank.of(t);
            if (qs.isEmpty()) continue;
            out.append("<h2 id=\"").append(t.label()).append("\">").append(escape(t.title(Lang.EN))).append(" / ")
                    .append(escape(t.title(Lang.ZH))).append("</h2>\n<ul class=\"questions\">\n");
            for (Question q : qs) {
                out.append("<li>");
                for (Lang l : Lang.values()) {
                    if (l == Lang.ZH) out.append("<br>");
                    out.append("<a lang=\"").append(l.label()).append("\" href=\"").append(l.label()).append('/').append(q.id())
                            .append(".html\">").append(escape(answers.get(q.id()).text(l).question())).append("</a>");
                }
                if (!q.answerable()) out.append(tag(q, Lang.EN));
                out.append("</li>\n");
            }
            out.append("</ul>\n");
        }
        return out.append(TAIL).toString();
    }

    /** {@return one language's index} */
    static String index(Bank bank, Map<String, Answer> answers, Lang lang) {
        Words w = Words.of(lang);
        StringBuilder out = new StringBuilder(head(lang, w.book(), "../style.css"));
        out.append("<nav><a href=\"../index.html\">").append(escape(Words.of(Lang.EN).book())).append(" / ")
                .append(escape(Words.of(Lang.ZH).book())).append("</a><a href=\"../").append(lang.other().label())
                .append("/index.html\">").append(escape(lang.other().displayName())).append("</a></nav>\n");
        out.append("<h1>").append(escape(w.book())).append("</h1>\n<p>").append(escape(w.intro())).append("</p>\n");
        for (Topic t : Topic.values()) {
            List<Question> qs = bank.of(t);
            if (qs.isEmpty()) continue;
            out.append("<h2 id=\"").append(t.label()).append("\">").append(escape(t.title(lang))).append("</h2>\n<ul class=\"questions\">\n");
            for (Question q : qs)
                out.append("<li><a href=\"").append(q.id()).append(".html\">").append(escape(answers.get(q.id()).text(lang).question()))
                        .append("</a>").append(q.answerable() ? "" : tag(q, lang)).append("</li>\n");
            out.append("</ul>\n");
        }
        return out.append(TAIL).toString();
    }

    /** {@return a question's page; {@code previous}/{@code next} are neighbouring ids or null} */
    static String question(Answer a, Lang lang, String previous, String next) {
        Question q = a.question();
        Words w = Words.of(lang);
        Text t = a.text(lang);
        StringBuilder out = new StringBuilder(head(lang, t.question(), "../style.css"));
        out.append("<nav><a href=\"index.html#").append(q.topic().label()).append("\">").append(escape(w.index())).append("</a>");
        if (previous != null) out.append("<a href=\"").append(previous).append(".html\">← ").append(escape(w.previous())).append("</a>");
        if (next != null) out.append("<a href=\"").append(next).append(".html\">").append(escape(w.next())).append(" →</a>");
        out.append("<a href=\"../").append(lang.other().label()).append('/').append(q.id()).append(".html\">")
                .append(escape(lang.other().displayName())).append("</a></nav>\n");
        out.append("<p class=\"topic\">").append(escape(w.topic())).append(": ").append(escape(q.topic().title(lang)))
                .append(" · <code>").append(q.id()).append("</code></p>\n");
        out.append("<h1>").append(escape(t.question())).append("</h1>\n");
        if (!q.answerable())
            out.append("<div class=\"callout missing\"><strong>").append(escape(w.missing())).append("</strong> ")
                    .append(escape(Explanation.needs(q, lang))).append("</div>\n");
        out.append("<div class=\"callout\"><strong>").append(escape(w.answer())).append("</strong> ").append(escape(t.answer())).append("</div>\n");
        if (!a.values().isEmpty()) {
            out.append("<h2>").append(escape(w.numbers())).append("</h2>\n<table>\n<thead><tr><th>").append(escape(w.name()))
                    .append("</th><th>").append(escape(w.value())).append("</th><th>").append(escape(w.what())).append("</th></tr></thead>\n<tbody>\n");
            a.formatted(lang).forEach((name, value) -> out.append("<tr><td><code>").append(escape(name)).append("</code></td><td class=\"num\">")
                    .append(escape(value)).append("</td><td>").append(escape(ProbeText.describe(q.probes().get(name)))).append("</td></tr>\n"));
            out.append("</tbody>\n</table>\n");
        }
        out.append("<h2>").append(escape(w.formula())).append("</h2>\n<pre>").append(escape(a.formula())).append("</pre>\n");
        out.append("<p><strong>").append(escape(w.source())).append(":</strong> ").append(escape(q.source())).append("</p>\n");
        out.append("<div class=\"callout alert\"><strong>").append(escape(w.wrong())).append("</strong> ").append(escape(t.wrong())).append("</div>\n");
        if (q.answerable() && q.chart() != null)
            out.append("<h2>").append(escape(w.chart())).append("</h2>\n<figure><img src=\"../charts/").append(q.id()).append(".svg\" alt=\"")
                    .append(escape(q.chart().kind().label())).append("\"><figcaption>").append(escape(q.chart().kind().label()))
                    .append(" · <a href=\"../charts/").append(q.id()).append(".png\">").append(w.png()).append("</a></figcaption></figure>\n");
        out.append("<h2>").append(escape(w.commands())).append("</h2>\n<pre>").append(escape(q.command() + (lang == Lang.ZH ? " --lang zh" : "")));
        if (q.setup() != null)
            out.append('\n').append(escape("scripts/sim explain " + q.id() + " --spec > " + q.setup() + ".yaml && scripts/sim report "
                    + q.setup() + ".yaml"));
        out.append("</pre>\n");
        if (q.setup() != null)
            out.append("<p>").append(escape(w.setup())).append(": <a href=\"../setups/").append(q.setup()).append(".yaml\">")
                    .append(escape(q.setup())).append(".yaml</a></p>\n");
        return out.append(TAIL).toString();
    }

    private static String tag(Question q, Lang lang) {
        return "<span class=\"tag\">" + escape((lang == Lang.EN ? "needs " : "需要 ")
                + String.join(", ", q.needs().stream().map(Capability::label).toList())) + "</span>";
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

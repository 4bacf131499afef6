package dev.parasim.cli;

import dev.parasim.spec.SpecException;
import dev.parasim.spec.load.SpecTrees;
import dev.parasim.teach.Answer;
import dev.parasim.teach.Bank;
import dev.parasim.teach.Explanation;
import dev.parasim.teach.Lang;
import dev.parasim.teach.Question;
import dev.parasim.teach.QuestionChart;
import dev.parasim.teach.Topic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code sim explain}: an interview question (or a topic's) answered with numbers the accountant computes now. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Answer a question of the teaching bank (seeds/questions.yaml), or every question of a topic, with its "
                + "numbers computed now, the formula and source, and write its chart; --list lists the bank, --missing what is not computed yet.")
public final class ExplainCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "QUESTION|TOPIC", description = "a question id or a topic")
    String target;

    @Option(names = "--lang", paramLabel = "en|zh", description = "language (default: ${DEFAULT-VALUE})", defaultValue = "en")
    String lang;

    @Option(names = "--set", paramLabel = "PATH=VALUE", description = "a what-if on the question's setup, e.g. plans[0].dp=128")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--list", description = "list every question in both languages")
    boolean list;

    @Option(names = "--missing", description = "list the questions that need a capability not built yet")
    boolean missing;

    @Option(names = "--spec", description = "print the question's setup (with --set applied) as an experiment YAML for sim predict/report")
    boolean spec;

    @Option(names = "--out", paramLabel = "DIR", description = "where charts go (default: ${DEFAULT-VALUE})", defaultValue = "out/explain")
    Path out;

    @Option(names = "--no-chart", negatable = false, description = "do not write the chart")
    boolean noChart;

    @Option(names = "--bank", paramLabel = "FILE", description = "a question bank other than the bundled seeds/questions.yaml")
    Path bankFile;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() throws IOException {
        Bank bank = bankFile == null ? Bank.bundled() : Bank.load(bankFile);
        Lang language = language(lang);
        var stdout = commandSpec.commandLine().getOut();
        if (list || missing) {
            if (target != null) throw new SpecException("QUESTION|TOPIC", "must be left out with --list or --missing", target);
            if (list) {
                Map<String, Answer> answers = new LinkedHashMap<>();
                for (Question q : bank.questions()) answers.put(q.id(), Answer.of(bank, q, List.of()));
                stdout.print(Explanation.list(bank, answers));
            }
            if (missing) stdout.print((list ? "\n" : "") + Explanation.missing(bank));
            stdout.flush();
            return 0;
        }
        if (target == null) throw new SpecException("QUESTION|TOPIC", "is required (or --list, --missing)", null);
        List<Question> questions = bank.question(target).map(List::of).orElseGet(() -> topic(bank, target));
        if (questions.size() > 1 && (!overrides.isEmpty() || spec))
            throw new SpecException("--set", "applies to one question, not a topic", target);
        if (spec) {
            Question q = questions.get(0);
            if (q.setup() == null) throw new SpecException(target, "has no setup yet (needs " + q.needs() + ")", target);
            bank.experiment(q.setup(), overrides);
            stdout.print(SpecTrees.dump(bank.setups().get(q.setup()), overrides));
            stdout.flush();
            return 0;
        }
        boolean first = true;
        for (Question q : questions) {
            Answer a = Answer.of(bank, q, overrides);
            String chart = null;
            if (!noChart && q.answerable() && q.chart() != null)
                chart = String.join(", ", QuestionChart.save(bank, a, out).stream().map(Path::toString).toList());
            stdout.print((first ? "" : "\n") + Explanation.page(a, language, chart));
            first = false;
        }
        stdout.flush();
        return 0;
    }

    static Lang language(String text) {
        for (Lang l : Lang.values()) if (l.label().equals(text)) return l;
        throw new SpecException("--lang", "must be one of " + Arrays.stream(Lang.values()).map(Lang::label).toList(), text);
    }

    static List<Question> topic(Bank bank, String target) {
        for (Topic t : Topic.values()) if (t.label().equals(target)) return bank.of(t);
        throw new SpecException("QUESTION|TOPIC", "must be a question id (sim explain --list) or a topic "
                + Arrays.stream(Topic.values()).map(Topic::label).toList(), target);
    }
}

package dev.parasim.teach;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.load.SpecTrees;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The question bank: named setups (experiment specs as an experiment file holds them) and the questions
 * computed on them. Read strictly by {@link BankReader}; the bundled one is {@code seeds/questions.yaml}.
 */
public record Bank(Map<String, Object> setups, List<Question> questions) {
    /** Where the build puts {@code seeds/questions.yaml} on the classpath. */
    public static final String RESOURCE = "/teach/questions.yaml";

    public Bank {
        setups = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(setups));
        questions = List.copyOf(questions);
    }

    /** {@return the bundled bank} */
    public static Bank bundled() {
        return BankReader.read(BankReader.resource(RESOURCE), RESOURCE);
    }

    /** {@return the bank in {@code file}} */
    public static Bank load(Path file) {
        return BankReader.read(SpecTrees.parseFile(file), file.toString());
    }

    public Optional<Question> question(String id) {
        return questions.stream().filter(q -> q.id().equals(id)).findFirst();
    }

    /** {@return the questions of {@code topic}, in bank order} */
    public List<Question> of(Topic topic) {
        return questions.stream().filter(q -> q.topic() == topic).toList();
    }

    /** {@return the setup's experiment with the {@code --set} what-ifs applied} */
    public Experiment experiment(String setup, List<String> overrides) {
        Object tree = setups.get(setup);
        if (tree == null) throw new SpecException("setup", "must be one of " + setups.keySet(), setup);
        return SpecTrees.experiment(tree, overrides);
    }
}

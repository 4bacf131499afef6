package dev.parasim.spec.load;

import dev.parasim.spec.Experiment;

import java.nio.file.Path;
import java.util.List;

/**
 * Strict YAML reading for documents that embed experiment specs (the teaching bank's setups): the same
 * parser, presets and {@code --set} rules as an experiment file, reached from outside this package.
 */
public final class SpecTrees {
    private SpecTrees() {}

    /** {@return a YAML file parsed with duplicate keys rejected; errors name the file} */
    public static Object parseFile(Path file) {
        return Yaml.parseFile(file);
    }

    /** {@return YAML text parsed with duplicate keys rejected; errors name {@code source}} */
    public static Object parse(String text, String source) {
        return Yaml.parse(text, source);
    }

    /** {@return a parsed experiment tree (as an experiment file holds it) read strictly, {@code overrides} applied first} */
    public static Experiment experiment(Object tree, List<String> overrides) {
        return SpecLoader.fromTree(tree, "experiment", overrides);
    }

    /** {@return {@code tree} with the {@code --set} what-ifs applied (presets not merged), written as block YAML} */
    public static String dump(Object tree, List<String> overrides) {
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> copy = (java.util.Map<String, Object>) Overrides.deepCopy(tree);
        Overrides.apply(copy, overrides);
        org.yaml.snakeyaml.DumperOptions options = new org.yaml.snakeyaml.DumperOptions();
        options.setDefaultFlowStyle(org.yaml.snakeyaml.DumperOptions.FlowStyle.BLOCK);
        options.setAllowUnicode(true);
        return new org.yaml.snakeyaml.Yaml(options).dump(copy);
    }
}

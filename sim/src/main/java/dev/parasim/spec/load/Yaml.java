package dev.parasim.spec.load;

import dev.parasim.spec.SpecException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** SnakeYAML behind one door: safe constructors only, duplicate keys rejected, errors as {@link SpecException}. */
final class Yaml {
    private Yaml() {}

    static Object parse(String text, String source) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        try {
            return new org.yaml.snakeyaml.Yaml(new SafeConstructor(options)).load(text);
        } catch (MarkedYAMLException e) {
            String where = e.getProblemMark() == null ? "" : " (line " + (e.getProblemMark().getLine() + 1) + ")";
            throw new SpecException(source, "must be valid YAML" + where, oneLine(e.getProblem()));
        } catch (YAMLException e) {
            throw new SpecException(source, "must be valid YAML", oneLine(e.getMessage()));
        }
    }

    static Object parseFile(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (NoSuchFileException e) {
            throw new SpecException(file.toString(), "must be an existing file", "no such file");
        } catch (IOException e) {
            throw new SpecException(file.toString(), "must be readable", e.getMessage());
        }
    }

    static Object parseResource(String resource) {
        try (InputStream in = Yaml.class.getResourceAsStream(resource)) {
            if (in == null) return null;
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundled resource " + resource, e);
        }
    }

    /** Parses one {@code --set} value as a YAML scalar (so 4 is an integer, true a boolean). */
    static Object scalar(String text) {
        Object v = parse(text, "--set value");
        return v == null ? "" : v;
    }

    private static String oneLine(String s) {
        return s == null ? "?" : s.replaceAll("\\s+", " ").trim();
    }
}

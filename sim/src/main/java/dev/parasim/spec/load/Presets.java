package dev.parasim.spec.load;

import dev.parasim.spec.SpecException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The bundled model and cluster presets under {@code /presets/{models,clusters}/NAME.yaml}. */
public final class Presets {
    public enum Kind { MODELS, CLUSTERS }

    private Presets() {}

    /** {@return the raw mapping of a preset, or a spec error listing the known names} */
    @SuppressWarnings("unchecked")
    static Map<String, Object> raw(Kind kind, String name, String path) {
        Object parsed = Yaml.parseResource(dir(kind) + name + ".yaml");
        if (parsed == null)
            throw new SpecException(path, "must be one of " + String.join("|", names(kind)), name);
        return new LinkedHashMap<>((Map<String, Object>) parsed);
    }

    /** {@return the names of every bundled preset of a kind, in index order} */
    public static List<String> names(Kind kind) {
        List<String> names = new ArrayList<>();
        try (InputStream in = Presets.class.getResourceAsStream(dir(kind) + "index.txt")) {
            if (in == null) return names;
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                    .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(names::add);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the preset index", e);
        }
        return names;
    }

    private static String dir(Kind kind) {
        return "/presets/" + kind.name().toLowerCase() + "/";
    }
}

package dev.parasim.spec.load;

import dev.parasim.spec.SpecException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code --set path=value} what-ifs, applied to the raw YAML tree before it is read strictly. */
final class Overrides {
    private static final Pattern SEGMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)((?:\\[\\d+])*)");

    private static final Pattern INDEX = Pattern.compile("\\[(\\d+)]");
    private Overrides() {}

    /** {@return the index written as {@code digits}, or Long.MAX_VALUE past 18 digits (then above every list's size)} */
    private static long index(String digits) {
        String trimmed = digits.replaceFirst("^0+(?=\\d)", "");
        return trimmed.length() > 18 ? Long.MAX_VALUE : Long.parseLong(trimmed);
    }

    /** Applies each {@code path=value} to {@code root} in order. */
    public static void apply(Map<String, Object> root, List<String> assignments) {
        for (String assignment : assignments) {
            int eq = assignment.indexOf('=');
            if (eq <= 0) throw new SpecException("--set", "must be path=value", assignment);
            String path = assignment.substring(0, eq).trim();
            set(root, path, Yaml.scalar(assignment.substring(eq + 1)));
        }
    }

    @SuppressWarnings("unchecked")
    private static void set(Map<String, Object> root, String path, Object value) {
        String[] parts = path.split("\\.");
        Object current = root;
        for (int i = 0; i < parts.length; i++) {
            Matcher m = SEGMENT.matcher(parts[i]);
            if (!m.matches()) throw new SpecException("--set " + path, "must be a dotted path like plans[0].tp", path);
            String key = m.group(1);
            List<Long> indices = new ArrayList<>();
            Matcher idx = INDEX.matcher(m.group(2));
            while (idx.find()) indices.add(index(idx.group(1)));
            Map<String, Object> map = (Map<String, Object>) current;
            boolean last = i == parts.length - 1;
            if (last && indices.isEmpty()) {
                map.put(key, value);
                return;
            }
            Object next = map.get(key);
            if (next == null && indices.isEmpty()) {
                next = new LinkedHashMap<String, Object>();
                map.put(key, next);
            }
            for (int k = 0; k < indices.size(); k++) {
                long index = indices.get(k);
                if (!(next instanceof List<?> list))
                    throw new SpecException("--set " + path, key + " must be a list to index", next);
                if (index >= list.size())
                    throw new SpecException("--set " + path, "index must be below " + list.size(),
                            index == Long.MAX_VALUE ? m.group(2) : index);
                if (last && k == indices.size() - 1) {
                    ((List<Object>) list).set((int) index, value);
                    return;
                }
                next = list.get((int) index);
            }
            if (!(next instanceof Map<?, ?>))
                throw new SpecException("--set " + path, key + " must be a mapping to set a key in", next);
            current = next;
        }
    }

    /** {@return a deep, mutable copy of a parsed YAML tree} */
    @SuppressWarnings("unchecked")
    static Object deepCopy(Object node) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(String.valueOf(k), deepCopy(v)));
            return copy;
        }
        if (node instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(v -> copy.add(deepCopy(v)));
            return copy;
        }
        return node;
    }
}

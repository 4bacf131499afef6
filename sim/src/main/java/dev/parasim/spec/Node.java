package dev.parasim.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A strict view of one YAML mapping: typed getters that name the key's full path in every error,
 * and {@link #done()} which rejects any key nobody asked for.
 */
public final class Node {
    private final String path;
    private final Map<String, Object> values;
    private final Set<String> read = new LinkedHashSet<>();

    public Node(String path, Map<String, Object> values) {
        this.path = path;
        this.values = values;
    }

    /** {@return a node over {@code raw}, which must be a mapping} */
    @SuppressWarnings("unchecked")
    public static Node of(String path, Object raw) {
        if (!(raw instanceof Map<?, ?> map)) throw SpecException.absolute(path, "must be a mapping", raw);
        Map<String, Object> copy = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) copy.put(String.valueOf(e.getKey()), e.getValue());
        return new Node(path, copy);
    }

    public String path() { return path; }

    public String pathOf(String key) { return path.isEmpty() ? key : path + "." + key; }

    public boolean has(String key) { return values.containsKey(key); }

    /** {@return the mapping as parsed, unchecked} */
    public Map<String, Object> rawValues() { return java.util.Collections.unmodifiableMap(values); }

    public Object raw(String key) {
        read.add(key);
        return values.get(key);
    }

    private Object required(String key) {
        read.add(key);
        if (!values.containsKey(key) || values.get(key) == null)
            throw SpecException.absolute(pathOf(key), "is required", null);
        return values.get(key);
    }

    public String string(String key) {
        Object v = required(key);
        if (!(v instanceof String s) || s.isBlank()) throw SpecException.absolute(pathOf(key), "must be a non-empty string", v);
        return s;
    }

    public String string(String key, String fallback) { return has(key) ? string(key) : mark(key, fallback); }

    public int integer(String key) {
        Object v = required(key);
        if (v instanceof Integer i) return i;
        if (v instanceof Long l && l == (int) (long) l) return (int) (long) l;
        throw SpecException.absolute(pathOf(key), "must be an integer", v);
    }

    public int integer(String key, int fallback) { return has(key) ? integer(key) : mark(key, fallback); }

    public long longInt(String key) {
        Object v = required(key);
        if (v instanceof Integer i) return i;
        if (v instanceof Long l) return l;
        throw SpecException.absolute(pathOf(key), "must be an integer", v);
    }

    public double number(String key) {
        Object v = required(key);
        if (v instanceof Number n && !(v instanceof Double d && (d.isNaN() || d.isInfinite()))) return n.doubleValue();
        throw SpecException.absolute(pathOf(key), "must be a number", v);
    }

    public double number(String key, double fallback) { return has(key) ? number(key) : mark(key, fallback); }

    public boolean bool(String key, boolean fallback) {
        if (!has(key)) return mark(key, fallback);
        Object v = required(key);
        if (v instanceof Boolean b) return b;
        throw SpecException.absolute(pathOf(key), "must be true or false", v);
    }

    /** Reads an enum written in the YAML as its {@code label} (e.g. {@code bf16-mixed}). */
    public <E extends Enum<E> & Labelled> E choice(String key, Class<E> type) {
        Object v = required(key);
        String text = v instanceof String s ? s : String.valueOf(v);
        for (E e : type.getEnumConstants()) if (e.label().equals(text.toLowerCase(Locale.ROOT))) return e;
        List<String> labels = new ArrayList<>();
        for (E e : type.getEnumConstants()) labels.add(e.label());
        throw SpecException.absolute(pathOf(key), "must be one of " + String.join("|", labels), v);
    }

    public <E extends Enum<E> & Labelled> E choice(String key, Class<E> type, E fallback) {
        return has(key) ? choice(key, type) : mark(key, fallback);
    }

    public Node child(String key) { return Node.of(pathOf(key), required(key)); }

    public List<Object> list(String key) {
        Object v = required(key);
        if (!(v instanceof List<?> l)) throw SpecException.absolute(pathOf(key), "must be a list", v);
        if (l.isEmpty()) throw SpecException.absolute(pathOf(key), "must not be empty", v);
        return new ArrayList<>(l);
    }

    /** Fails on the first key that no getter read: unknown keys are errors, not silently ignored. */
    public void done() {
        for (String key : values.keySet())
            if (!read.contains(key)) throw SpecException.absolute(pathOf(key), "is not a known key here", key);
    }

    private <T> T mark(String key, T fallback) {
        read.add(key);
        return fallback;
    }

    /** An enum written in specs by a lower-case label. */
    public interface Labelled {
        String label();
    }
}

package dev.parasim.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * A malformed input: the one-line message names the path, the rule broken and the value found,
 * as in {@code plans[0].tp: must divide model.heads (96), found 7}.
 */
public final class SpecException extends RuntimeException {
    private final String path;
    private final String rule;
    private final String found;
    private final boolean absolute;
    /** Further problems found in the same input (each reported on its own line), usually none. */
    private final List<SpecException> more;

    /** An error at a path relative to the value being built (a record's field name). */
    public SpecException(String path, String rule, Object found) {
        this(path, rule, render(found), false);
    }

    /** {@return an error whose path is already complete from the document root} */
    public static SpecException absolute(String path, String rule, Object found) {
        return new SpecException(path, rule, render(found), true);
    }

    /** {@return the same error with {@code prefix} put before its path, unless the path is already absolute} */
    public SpecException under(String prefix) {
        if (!more.isEmpty()) return all(errors().stream().map(e -> e.under(prefix)).toList());
        if (absolute) return this;
        String joined = path.isEmpty() ? prefix : path.startsWith("[") ? prefix + path : prefix + "." + path;
        return new SpecException(joined, rule, found, false);
    }

    private SpecException(String path, String rule, String found, boolean absolute) {
        this(path, rule, found, absolute, List.of());
    }

    private SpecException(String path, String rule, String found, boolean absolute, List<SpecException> more) {
        // No stack trace: the message is the whole story, and sweeps reject millions of candidates.
        super(line(path, rule, found) + more.stream().map(e -> "\n" + e.getMessage()).reduce("", String::concat), null, false, false);
        this.path = path;
        this.rule = rule;
        this.found = found;
        this.absolute = absolute;
        this.more = List.copyOf(more);
    }

    private static String line(String path, String rule, String found) {
        return printable(path, MAX_PATH_CHARS) + ": " + printable(rule, Integer.MAX_VALUE) + ", found " + found;
    }

    /**
     * {@return one error reporting every problem of {@code errors}} (at least one): its message has a
     * {@code path: rule, found value} line per distinct problem, in order; path, rule and value are the first problem's
     */
    public static SpecException all(List<SpecException> errors) {
        if (errors.isEmpty()) throw new IllegalArgumentException("errors: must not be empty");
        if (errors.size() == 1) return errors.get(0);
        // The same problem found through several plans (a global limit, say) is reported once.
        java.util.Map<String, SpecException> distinct = new java.util.LinkedHashMap<>();
        for (SpecException e : errors)
            for (SpecException one : e.errors()) distinct.putIfAbsent(one.getMessage(), one);
        List<SpecException> list = new ArrayList<>(distinct.values());
        if (list.size() == 1) return list.get(0);
        SpecException first = list.get(0);
        return new SpecException(first.path, first.rule, first.found, first.absolute, list.subList(1, list.size()));
    }

    /** {@return the first problem's line, with how many more there are: for quoting this error inside another's} */
    public String summary() {
        return line(path, rule, found) + (more.isEmpty() ? "" : " (and " + more.size() + " more)");
    }

    /** {@return every problem this error reports, one per line of its message} */
    public List<SpecException> errors() {
        List<SpecException> all = new ArrayList<>();
        all.add(more.isEmpty() ? this : new SpecException(path, rule, found, absolute));
        all.addAll(more);
        return all;
    }

    public String path() { return path; }

    public String rule() { return rule; }

    public String found() { return found; }

    /** Runs {@code body}, re-raising any spec error under {@code prefix}. */
    public static <T> T at(String prefix, java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (SpecException e) {
            throw e.under(prefix);
        }
    }

    /** Longest value an error quotes in full; longer ones are abridged with their length. */
    public static final int MAX_VALUE_CHARS = 120;
    static final int MAX_PATH_CHARS = 200;

    static String render(Object value) {
        if (value == null) return "nothing";
        if (value instanceof String s) return "\"" + printable(s, MAX_VALUE_CHARS) + "\"";
        if (value instanceof java.util.Map<?, ?>) return "a mapping";
        if (value instanceof java.util.List<?> l) return "a list of " + l.size();
        return printable(String.valueOf(value), MAX_VALUE_CHARS);
    }

    /**
     * {@return {@code text} safe for one log line}: control and line-separator characters escaped as
     * backslash sequences, and past {@code max} characters cut with the full length stated
     */
    public static String printable(String text, int max) {
        StringBuilder b = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < text.length() && shown < max; i++, shown++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029')
                        b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        if (shown < text.length()) b.append("… (").append(text.length()).append(" characters)");
        return b.toString();
    }
}

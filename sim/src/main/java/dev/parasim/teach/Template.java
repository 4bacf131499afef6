package dev.parasim.teach;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Answer templates: {@code {name}} is replaced by the probe {@code name}'s value written for the reader's language. */
public final class Template {
    static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-zA-Z][a-zA-Z0-9_]*)}");

    private Template() {}

    /** {@return the placeholder names in {@code text}, in order of appearance} */
    public static Set<String> placeholders(String text) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    /** {@return {@code text} with every placeholder replaced by its formatted value} */
    public static String render(String text, Map<String, String> formatted) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = formatted.get(m.group(1));
            if (value == null) throw new IllegalArgumentException("no value for placeholder {" + m.group(1) + "} in: " + text);
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}

package dev.parasim.teach;

import dev.parasim.spec.Node;

/** The bank's two languages. */
public enum Lang implements Node.Labelled {
    EN("en", "English"),
    ZH("zh", "中文");

    private final String label;
    private final String name;

    Lang(String label, String name) {
        this.label = label;
        this.name = name;
    }

    @Override public String label() { return label; }

    /** {@return the language's name in itself} */
    public String displayName() { return name; }

    /** {@return the other language} */
    public Lang other() { return this == EN ? ZH : EN; }
}

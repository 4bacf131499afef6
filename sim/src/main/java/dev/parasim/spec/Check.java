package dev.parasim.spec;

/** Validation helpers for compact constructors: each throws a {@link SpecException} naming the field. */
public final class Check {
    private Check() {}

    public static int positive(String field, int value) {
        if (value <= 0) throw new SpecException(field, "must be positive", value);
        return value;
    }

    public static double positive(String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) throw new SpecException(field, "must be a positive number", value);
        return value;
    }

    public static double nonNegative(String field, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) throw new SpecException(field, "must be zero or positive", value);
        return value;
    }

    public static double fraction(String field, double value) {
        if (!(value > 0 && value <= 1)) throw new SpecException(field, "must be in (0, 1]", value);
        return value;
    }

    public static double unitInterval(String field, double value) {
        if (!(value >= 0 && value <= 1)) throw new SpecException(field, "must be in [0, 1]", value);
        return value;
    }

    public static String name(String field, String value) {
        if (value == null || value.isBlank()) throw new SpecException(field, "must be a non-empty name", value);
        return value;
    }

    /** Longest experiment, plan or sweep name: names become file and directory names. */
    public static final int MAX_NAME_CHARS = 100;


    /**
     * {@return {@code value} if it is safe as one path component}: letters, digits, '-', '_' and '.', not "." or "..",
     * at most {@value #MAX_NAME_CHARS} characters (experiment, plan and sweep names name output directories and files)
     */
    public static String fileName(String field, String value) {
        name(field, value);
        if (value.length() > MAX_NAME_CHARS)
            throw new SpecException(field, "must be at most " + MAX_NAME_CHARS + " characters", value);
        if (!fileNameChars(value) || value.equals(".") || value.equals(".."))
            throw new SpecException(field, "must be a file name of letters, digits, '-', '_' and '.' (not . or ..)", value);
        return value;
    }

    /** {@return whether every character is an ASCII letter or digit, '.', '_' or '-'} (a sweep checks each plan's name) */
    private static boolean fileNameChars(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'))
                return false;
        }
        return !value.isEmpty();
    }

    /** {@return {@code value} if it is at most {@code max}} (limits keep arithmetic exact and work bounded) */
    public static int atMost(String field, int value, int max) {
        if (value > max) throw new SpecException(field, "must be at most " + max, value);
        return value;
    }
}

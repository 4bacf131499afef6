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
}

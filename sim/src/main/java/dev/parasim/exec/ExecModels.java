package dev.parasim.exec;

import dev.parasim.spec.ModelSpec;

/** Builds the executable model of a {@link ModelSpec}. */
public final class ExecModels {
    private ExecModels() {}

    /** {@return the model to execute for {@code spec}, its data drawn from {@code seed}} */
    public static ExecModel of(ModelSpec spec, long seed) {
        return new TinyTiedModel(spec.layers(), spec.hidden(), spec.vocab(), spec.seqLen(), seed);
    }

    /** {@return Ψ of the executable model, computed without building it} */
    public static long parameters(ModelSpec spec) {
        long h = spec.hidden();
        return (long) (spec.vocab() + spec.seqLen()) * h + spec.layers() * (h * h + h) + 2 * h;
    }
}

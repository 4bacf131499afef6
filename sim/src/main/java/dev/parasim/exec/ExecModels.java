package dev.parasim.exec;

import dev.parasim.exec.model.GptConfig;
import dev.parasim.spec.ModelSpec;

/** Builds the executable model of a {@link ModelSpec}: the small GPT of {@code exec.model}. */
final class ExecModels {
    private ExecModels() {}

    /** {@return the model to execute for {@code spec}; weights and data drawn from {@code seed}} */
    public static GptExecModel of(ModelSpec spec, long seed) {
        return new GptExecModel(GptConfig.of(spec), seed);
    }

    /** {@return Ψ of the executable model, computed without building it} */
    public static long parameters(ModelSpec spec) {
        return GptConfig.of(spec).parameterCount();
    }
}

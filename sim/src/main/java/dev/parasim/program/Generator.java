package dev.parasim.program;

/**
 * A strategy as a generator of step-program instructions: it adds what its parallelism does to one stage's
 * pass bodies, prologue and epilogue. A new strategy is a new generator listed in {@link StepProgram#GENERATORS}.
 */
interface Generator {
    void generate(GeneratorContext context, StageBuilder builder);
}

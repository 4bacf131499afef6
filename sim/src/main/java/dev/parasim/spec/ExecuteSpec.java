package dev.parasim.spec;

/**
 * Settings for running the plans for real on a small model.
 *
 * @param steps      optimizer steps to run
 * @param seed       seed of the weights and the synthetic data
 * @param learningRate Adam learning rate
 * @param fp64       compute in double precision (for exactness checks); only with precision fp32
 */
public record ExecuteSpec(int steps, long seed, double learningRate, boolean fp64) {

    public ExecuteSpec {
        Check.positive("steps", steps);
        Check.positive("learningRate", learningRate);
    }
}

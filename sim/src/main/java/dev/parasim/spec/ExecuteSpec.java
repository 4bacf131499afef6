package dev.parasim.spec;

/**
 * Settings for running the plans for real on a small model.
 *
 * @param steps      optimizer steps to run
 * @param seed       seed of the weights and the synthetic data
 * @param learningRate Adam learning rate
 * @param fp64       compute in double precision (for exactness checks); only with precision fp32
 * @param spLocalInputs under sequence parallelism, qkv and fc1 keep only the rank's b·s/t rows of their input
 *                   and AllGather them again in backward (Korthikanti et al. 2022 §4.2.3: 2 more AllGathers of
 *                   b·s·h per layer per micro-batch, t-fold smaller saved inputs); false keeps the gathered input
 */
public record ExecuteSpec(int steps, long seed, double learningRate, boolean fp64, boolean spLocalInputs) {

    public ExecuteSpec {
        Check.positive("steps", steps);
        Check.positive("learningRate", learningRate);
    }

    /** {@return settings keeping the gathered qkv/fc1 inputs under sequence parallelism} */
    public ExecuteSpec(int steps, long seed, double learningRate, boolean fp64) {
        this(steps, seed, learningRate, fp64, false);
    }
}

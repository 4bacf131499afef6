package dev.parasim.exec.model;

import dev.parasim.spec.Precision;
import dev.parasim.spec.SpecException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The reference run every distributed strategy must reproduce. Parameters start at
 * {@code Gpt.init(seed)}, data is {@code SyntheticData.of(config, seed)}. Step t = 1..steps uses
 * data step t − 1 and does, with M = globalBatch / microBatch:
 * <ol>
 *   <li>w = {@link MixedPrecision#workingCopy}(master) per unit;</li>
 *   <li>for j = 0..M−1 in order: g_j = ∇ loss of {@code data.batch(t − 1, j, microBatch)} at w, into
 *       fresh zeros; {@link MixedPrecision#roundGradient}(g_j); G += g_j (G in the master type);</li>
 *   <li>G /= M, so G is the gradient of the mean loss over the global batch;</li>
 *   <li>{@link Adam#step}(master, G, m, v, t, lr) per unit; the step's loss is the mean of the M micro-batch losses.</li>
 * </ol>
 * fp32 vs fp64: same init and data; results differ by fp32 rounding only (measured ≤ 1e-4 in loss).
 * A distributed run sums the same g_j in another order: in fp32/fp64 that changes only rounding; a
 * bf16 ring reduction also rounds each partial sum to bf16 (relative 2⁻⁹ per addition), so
 * bf16-mixed comparisons need a loose tolerance: losses within about 1e-2 relative, parameters
 * within a few lr per step (Adam moves each element by at most about lr per step). See the
 * measured numbers in SingleDeviceTrainerTest.
 */
public final class SingleDeviceTrainer {
    private SingleDeviceTrainer() {}

    /** What to run; globalBatch and microBatch count sequences. */
    public record Settings(GptConfig config, DataType dtype, long seed, int globalBatch, int microBatch, int steps,
                           double lr, Precision precision) {
        public Settings {
            if (globalBatch < 1) throw new SpecException("globalBatch", "must be positive", globalBatch);
            if (microBatch < 1) throw new SpecException("microBatch", "must be positive", microBatch);
            if (globalBatch % microBatch != 0)
                throw new SpecException("globalBatch", "must be a multiple of microBatch (" + microBatch + ")", globalBatch);
            if (steps < 0) throw new SpecException("steps", "must be zero or positive", steps);
            if (!(lr > 0)) throw new SpecException("lr", "must be a positive number", lr);
            MixedPrecision.requireExecutable(precision, dtype);
        }

        /** {@return micro-batches per step: globalBatch / microBatch} */
        public int microBatches() { return globalBatch / microBatch; }
    }

    /** Loss per step (before that step's update) and the final per-unit master parameters. */
    public record Result(double[] lossPerStep, INDArray[] unitParams) {
        public Result {
            lossPerStep = lossPerStep.clone();
            unitParams = unitParams.clone();
        }

        @Override public double[] lossPerStep() { return lossPerStep.clone(); }

        @Override public INDArray[] unitParams() { return unitParams.clone(); }
    }

    /** {@return the result of running {@code s}} */
    public static Result run(Settings s) {
        Gpt gpt = new Gpt(s.config(), s.dtype());
        SyntheticData data = SyntheticData.of(s.config(), s.seed());
        INDArray[] master = gpt.init(s.seed());
        INDArray[] m = gpt.zeros();
        INDArray[] v = gpt.zeros();
        double[] losses = new double[s.steps()];
        for (int t = 1; t <= s.steps(); t++) {
            INDArray[] working = new INDArray[master.length];
            for (int u = 0; u < master.length; u++) working[u] = MixedPrecision.workingCopy(master[u], s.precision());
            INDArray[] sum = gpt.zeros();
            double lossSum = 0;
            for (int j = 0; j < s.microBatches(); j++) {
                INDArray[] g = gpt.zeros();
                lossSum += gpt.forwardBackward(working, data.batch(t - 1, j, s.microBatch()), g);
                for (int u = 0; u < g.length; u++) {
                    MixedPrecision.roundGradient(g[u], s.precision());
                    sum[u].addi(g[u]);
                }
            }
            for (int u = 0; u < master.length; u++) {
                sum[u].divi(s.microBatches());
                Adam.step(master[u], sum[u], m[u], v[u], t, s.lr());
            }
            losses[t - 1] = lossSum / s.microBatches();
        }
        return new Result(losses, master);
    }
}

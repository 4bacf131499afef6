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
 *
 * <p>Comparing runs (numbers measured in SingleDeviceTrainerTest, L=1, h=16, 40 steps, lr 1e-2):
 * <ul>
 *   <li>A distributed run sums the same g_j in another order, which changes only rounding: fp64
 *       splits of one step agree within 1e-12; a 4-rank fp32 ring order over 10 steps stayed within
 *       2.6e-8 in loss and 8.8e-7 in parameters other than the key bias.</li>
 *   <li>Exception: the key bias, qkv.b[h, 2h), has an exactly zero gradient (softmax ignores the
 *       per-row shift q·b_k), so in fp32 its gradient is rounding noise that Adam scales up to as much
 *       as lr·|noise|/(|noise| + ε) per step; compare it loosely (fp32 vs fp64 moved it 3.6e-4 apart).</li>
 *   <li>fp32 vs fp64 reference runs: loss within 3.4e-7, parameters other than the key bias within 4.1e-6.</li>
 *   <li>bf16-mixed: a bf16 ring reduction also rounds each partial sum to bf16 (2⁻⁹ relative per
 *       addition). Measured against this reference with 4 ranks over 10 steps: loss within 2.3e-4,
 *       parameters within 1.4e-2 (1.4·lr); tests allow 1% of the initial loss and 0.5·lr per step.</li>
 * </ul>
 */
public final class SingleDeviceTrainer {
    private SingleDeviceTrainer() {}

    /** What to run; globalBatch and microBatch count sequences. */
    public record Settings(GptConfig config, DataType dtype, long seed, int globalBatch, int microBatch, int steps,
                           double lr, Precision precision) implements java.io.Serializable {
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

package dev.parasim.analytic;

import dev.parasim.memory.MemoryBreakdown;
import dev.parasim.spec.ParallelPlan;

/**
 * The accountant's answer for one plan: memory on the worst rank, bytes moved per GPU, step time,
 * and the throughput they imply. MFU counts model FLOPs (no recompute) with the attention's 4·s·h per token
 * per layer; {@link #mfu6ND} the 6·N·D figure without them; HFU counts hardware FLOPs.
 */
public record PlanPrediction(ParallelPlan plan, long parameters, long activeParameters, MemoryBreakdown memory, CommVolume comm,
                             StepTime time, double modelFlops, double hardwareFlops, double mfu, double hfu,
                             double tokensPerSecond) {

    public boolean fits() { return memory.fits(); }

    /**
     * {@return MFU counting 6·N FLOPs per token (N every parameter a token runs through — all of a dense model's, an MoE
     * model's active ones —, no attention FLOPs; Kaplan et al. 2020, the figure most published runs compare with)}:
     * {@link #mfu} scaled by 6·N·D over the model FLOPs of the same D tokens
     */
    public double mfu6ND() {
        double tokens = tokensPerSecond * time.stepSeconds();
        return mfu * 6.0 * activeParameters * tokens / modelFlops;
    }
}

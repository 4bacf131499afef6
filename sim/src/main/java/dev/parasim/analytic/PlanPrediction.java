package dev.parasim.analytic;

import dev.parasim.memory.MemoryBreakdown;
import dev.parasim.spec.ParallelPlan;

/**
 * The accountant's answer for one plan: memory on the worst rank, bytes moved per GPU, step time,
 * and the throughput they imply. MFU counts model FLOPs (no recompute); HFU counts hardware FLOPs.
 */
public record PlanPrediction(ParallelPlan plan, long parameters, MemoryBreakdown memory, CommVolume comm,
                             StepTime time, double modelFlops, double hardwareFlops, double mfu, double hfu,
                             double tokensPerSecond) {

    public boolean fits() { return memory.fits(); }
}

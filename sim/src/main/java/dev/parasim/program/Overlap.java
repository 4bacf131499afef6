package dev.parasim.program;

/**
 * What a communication instruction may hide behind, stated once by the generator that emits it and read by the
 * timeline (and, in closed form, by {@code analytic.StepTimeModel}):
 */
public enum Overlap {
    /** on the critical path of its pass (TP collectives; a calibrated share hides with {@code tpCommOverlap}) */
    CRITICAL_PATH,
    /** issued ahead and hidden behind its own pass's compute up to the calibrated {@code dpOverlap} share (ZeRO-3 gathers) */
    PREFETCHED,
    /** hidden behind the pass that produced its data, up to {@code dpOverlap} (ZeRO-2/3 gradient ReduceScatters) */
    BEHIND_PASS,
    /**
     * once per step, started during the stage's last backward, hidden up to {@code dpOverlap} of it (the DP sync); DDP's
     * buckets each once the backward has produced it, one after another ({@code analytic.StageCost#syncExposed})
     */
    BEHIND_LAST_BACKWARD,
    /** once per step after the optimizer, hidden behind the next step's first forward up to {@code dpOverlap} (ZeRO-1/2 gather) */
    BEHIND_NEXT_FORWARD,
    /** ring attention's key/value passing, hidden behind the attention core */
    BEHIND_ATTENTION,
    /** pipeline sends: on the sender's link while its compute goes on */
    ASYNCHRONOUS
}

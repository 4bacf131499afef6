package dev.parasim.analytic;

import dev.parasim.cost.PassTimes;

/**
 * What one pipeline stage's representative rank spends, shared by the closed form and the timeline:
 * per micro-batch, the compute of its passes and the communication they cannot hide; per step, the
 * data-parallel synchronisation and the optimizer. Stages of the same kind share one (a plan's list of them holds the
 * same instance at each such stage).
 *
 * @param compute          F, B and W compute of one micro-batch through all the stage's layers
 * @param forwardExposed   communication on the forward's critical path per micro-batch (TP, CP, ZeRO-3)
 * @param backwardExposed  the same for the backward
 * @param gradientSync     seconds of the once-per-step gradient collective(s), before any overlap
 * @param bucketedSync     the part of {@code gradientSync} DDP issues in buckets as the last backward produces them
 * @param syncBuckets      how many buckets (0 without DDP)
 * @param afterStep        seconds of the once-per-step parameter AllGather (ZeRO-1/2), before any overlap
 * @param sendForward      seconds of one activation send to the next stage
 * @param sendBackward     seconds of one gradient send to the previous stage
 * @param optimizer        seconds of the optimizer update
 */
public record StageCost(PassTimes compute, double forwardExposed, double backwardExposed,
                        double gradientSync, double bucketedSync, int syncBuckets, double afterStep,
                        double sendForward, double sendBackward, double optimizer) {

    /**
     * {@return the seconds the gradient synchronisation runs past the end of the stage's last backward}, when the last
     * {@code window} seconds of that backward may hide it ({@code dpOverlap} of it). The one rule, shared by the closed
     * form and the timeline: DDP's k buckets become ready in reverse layer order as the backward produces their
     * gradients, evenly over the window (bucket j at j·window/k); a bucket's AllReduce starts once its gradients exist
     * and the previous bucket's has left the link, so they run one after another, and the last bucket — with whatever
     * the link had not finished when the backward ends — is exposed: with c = C/k per bucket the chain ends at
     * max(window + c, window/k + C) (one bucket holding the whole gradient, k = 1, overlaps nothing; Li et al.,
     * "PyTorch Distributed", VLDB 2020 §3.2.2–3.2.3: all gradients in one AllReduce cannot start before the backward is
     * over). The other once-a-step collectives (ZeRO-1's ReduceScatter, the tied-embedding and SP partial-gradient
     * sums) are issued as the window opens, ahead of the buckets on the same link. Only the last micro-batch's
     * backward hides the sync: DDP accumulates the earlier micro-batches' gradients without communicating (§3.2.4, no_sync).
     */
    public double syncExposed(double window) {
        double other = gradientSync - bucketedSync;
        if (syncBuckets == 0) return Math.max(0, other - window);
        double each = bucketedSync / syncBuckets;
        double end = Math.max(other + bucketedSync, Math.max(window / syncBuckets + bucketedSync, window + each));
        return Math.max(0, end - window);
    }

    /** {@return compute plus exposed communication of one micro-batch: the stage's pipeline period} */
    public double microBatchSeconds() {
        return compute.total() + forwardExposed + backwardExposed;
    }
}

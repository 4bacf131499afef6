package dev.parasim.analytic;

import dev.parasim.cost.PassTimes;

/**
 * What one pipeline stage's representative rank spends, shared by the closed form and the timeline:
 * per micro-batch, the compute of its passes and the communication they cannot hide; per step, the
 * data-parallel synchronisation and the optimizer.
 *
 * @param compute          F, B and W compute of one micro-batch through all the stage's layers
 * @param forwardExposed   communication on the forward's critical path per micro-batch (TP, CP, ZeRO-3)
 * @param backwardExposed  the same for the backward
 * @param gradientSync     seconds of the once-per-step gradient collective(s), before any overlap
 * @param afterStep        seconds of the once-per-step parameter AllGather (ZeRO-1/2), before any overlap
 * @param sendForward      seconds of one activation send to the next stage
 * @param sendBackward     seconds of one gradient send to the previous stage
 * @param optimizer        seconds of the optimizer update
 */
public record StageCost(int stage, PassTimes compute, double forwardExposed, double backwardExposed,
                        double gradientSync, double afterStep, double sendForward, double sendBackward,
                        double optimizer) {

    /** {@return the same costs for another stage of the same kind} */
    public StageCost at(int otherStage) {
        return new StageCost(otherStage, compute, forwardExposed, backwardExposed, gradientSync, afterStep, sendForward,
                sendBackward, optimizer);
    }

    /** {@return compute plus exposed communication of one micro-batch: the stage's pipeline period} */
    public double microBatchSeconds() {
        return compute.total() + forwardExposed + backwardExposed;
    }
}

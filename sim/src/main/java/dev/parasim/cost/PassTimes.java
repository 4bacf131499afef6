package dev.parasim.cost;

/**
 * Seconds of one micro-batch through some layers on one GPU, split as zero-bubble schedules need:
 * forward F, input-gradient backward B (with any recomputation), weight-gradient backward W.
 */
public record PassTimes(double forward, double backwardInput, double backwardWeight) {

    public static final PassTimes ZERO = new PassTimes(0, 0, 0);

    public double backward() { return backwardInput + backwardWeight; }

    public double total() { return forward + backward(); }

    public PassTimes plus(PassTimes o) {
        return new PassTimes(forward + o.forward, backwardInput + o.backwardInput, backwardWeight + o.backwardWeight);
    }

    public PassTimes times(double k) {
        return new PassTimes(forward * k, backwardInput * k, backwardWeight * k);
    }
}

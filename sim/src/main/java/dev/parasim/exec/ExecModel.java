package dev.parasim.exec;

import java.io.Serializable;

/**
 * The model an executed run trains, seen one parameter unit at a time (unit 0 = embedding, 1..L =
 * blocks, L+1 = final norm; the LM head is tied to unit 0). Parameters and gradients cross this
 * interface as plain {@code double[]} per unit (exact upcasts of the stored values); a unit's array
 * may be longer than the unit (padding), only its first {@link #unitSize} elements are read.
 */
interface ExecModel extends Serializable {
    /** {@return number of units: L + 2} */
    int units();

    /** {@return Ψ_u, the elements of unit u} */
    int unitSize(int u);

    /** {@return unit u's initial flat parameters, a pure function of the seed} */
    double[] initUnit(int u, long seed);

    /** {@return V·h, the elements of the tied word embedding wte, stored first in unit 0} */
    int tiedHeadElements();

    /** {@return elements of one [b·s, h] activation between units for {@code sequences} sequences} */
    int activationElements(int sequences);

    /**
     * {@return forward matrix-product FLOPs of unit u for {@code sequences} sequences} (Narayanan et al.
     * 2021 eq. 3 terms: 2·b·s·(4h² + 2hf) + 4·b·s²·h per layer; 0 for the embedding and the norm)
     */
    double forwardFlops(int u, int sequences);

    /**
     * {@return FLOPs of unit u's weight-gradient GEMMs for {@code sequences} sequences}: those of its forward
     * linear layers, 2·b·s·(4h² + 2hf) per layer (Qi et al. 2024's W = s·b·h·24h when f = 4h); the backward's
     * other 2·forward − W FLOPs are the input gradient's B (the attention scores' and context's backward included)
     */
    double weightGradFlops(int u, int sequences);

    /**
     * {@return FLOPs of unit u's part of a {@code pass} for {@code sequences} sequences}: F its forward, BW twice
     * that, ZB-H1's W the weight-gradient GEMMs and its B the rest of the backward, 2·forward − W (Qi et al. 2024)
     */
    default double passFlops(dev.parasim.program.schedule.Pass pass, int u, int sequences) {
        double forward = forwardFlops(u, sequences);
        return switch (pass) {
            case F -> forward;
            case B -> 2 * forward - weightGradFlops(u, sequences);
            case W -> weightGradFlops(u, sequences);
            case BW -> 2 * forward;
        };
    }

    /** {@return forward FLOPs of the tied LM head: 2·b·s·h·V} (Narayanan et al. 2021 eq. 3, logit term) */
    double headFlops(int sequences);

    /** {@return the total parameter count Ψ} */
    default long parameters() {
        long total = 0;
        for (int u = 0; u < units(); u++) total += unitSize(u);
        return total;
    }

    /**
     * Starts the forward/backward pass of global micro-batch {@code index} (sequences
     * [index·sequences, (index+1)·sequences)) of optimizer step {@code step}; with {@code recompute} the pass keeps
     * only each transformer layer's input from its forward and replays the layer in {@link Pass#recompute}.
     */
    Pass begin(long step, int index, int sequences, boolean fp64, boolean recompute);

    /**
     * One micro-batch's pass, called in the order forward 0…L+1, {@link #headForward},
     * {@link #headBackward}, backward L+1…0 — or, split as ZB-H1 runs it, {@link #headBackwardInput} and
     * {@link #backwardInput} L+1…0 (B) then {@link #headBackwardWeights} and {@link #backwardWeights} (W).
     * It holds the activations between calls, and between B and W what the parameter gradients need.
     */
    interface Pass {
        void forward(int u, double[] params);

        /** {@return the micro-batch's mean loss} (the tied head needs unit 0's parameters) */
        double headForward(double[] embedding);

        /** Adds the head's gradient w.r.t. unit 0 into {@code embeddingGrad}. */
        void headBackward(double[] embedding, double[] embeddingGrad);

        /** Adds unit u's parameter gradient into {@code grad}; unit 0 needs no parameters ({@code params} may be null). */
        void backward(int u, double[] params, double[] grad);

        /**
         * Before unit u's backward (BW or B) under full recompute: runs the transformer layer u forward again from the
         * input it kept, holding what its backward reads; {@return whether it did} (false for the embedding, the final
         * norm, and a pass that keeps every activation)
         */
        boolean recompute(int u, double[] params);

        /** B of the head: the gradient w.r.t. its input only, keeping dz and its input for {@link #headBackwardWeights}. */
        void headBackwardInput(double[] embedding);

        /** W of the head: adds its gradient w.r.t. unit 0 into {@code embeddingGrad}, dropping what B kept. */
        void headBackwardWeights(double[] embeddingGrad);

        /**
         * B of unit u: the gradient w.r.t. its input, adding the gradients that are not a linear layer's (LayerNorm,
         * embedding) into {@code grad} and keeping what {@link #backwardWeights} needs; unit 0 needs no parameters.
         */
        void backwardInput(int u, double[] params, double[] grad);

        /** W of unit u: adds its linear layers' weight gradients into {@code grad}, dropping what B kept. */
        void backwardWeights(int u, double[] grad);

        /** Sets the input of unit u ≥ 1 to {@code x} (b·s·h elements, received from the previous stage); the pass keeps it. */
        void input(int u, double[] x);

        /** {@return the output of unit u (b·s·h elements, to send to the next stage)} */
        double[] output(int u);

        /** Sets the gradient w.r.t. the output of the last unit this pass ran forward (received from the next stage). */
        void outputGrad(double[] dy);

        /** {@return the gradient w.r.t. the input of the last unit run backward (to send to the previous stage)}; the pass drops it */
        double[] inputGrad();

        /** {@return bytes of the activations (and saved tensors) this pass holds now for its backward} */
        long activationBytes();
    }
}

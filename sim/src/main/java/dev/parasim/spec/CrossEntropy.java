package dev.parasim.spec;

/**
 * How the cross-entropy's backward holds the logits' gradient, which sets the last stage's memory peak.
 * <ul>
 * <li>{@code in-place} (the default): Megatron-LM's vocab-parallel cross-entropy keeps the fp32 softmax from its forward
 *     and writes the gradient over it, so the backward adds nothing to the 4 B a logit the forward kept.</li>
 * <li>{@code out-of-place}: PyTorch's {@code F.cross_entropy} on logits cast up to fp32 (torchtitan, Composer) keeps the
 *     log-softmax output and, at its backward, writes the NLL loss's dense gradient and log-softmax's input gradient,
 *     fp32 each: 8 B a logit more, 12 B in all, at the moment the backward starts and every activation is still held.</li>
 * </ul>
 */
public enum CrossEntropy implements Node.Labelled {
    IN_PLACE("in-place"),
    OUT_OF_PLACE("out-of-place");

    /** Bytes a logit the out-of-place backward adds beside the kept output: two fp32 gradients. */
    public static final int OUT_OF_PLACE_BACKWARD_BYTES = 8;

    private final String label;

    CrossEntropy(String label) { this.label = label; }

    @Override public String label() { return label; }

    @Override public String toString() { return label; }
}

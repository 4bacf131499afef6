package dev.parasim.spec;

/**
 * How a ZeRO-3 implementation issues its parameter gathers and gradient reduce-scatters, which decides how many
 * collectives (each paying its ring latency) a step makes and what they overlap.
 * <ul>
 * <li>{@code units}: one collective per model unit (a layer), the gather of the next unit issued while the current
 *   one computes — PyTorch FSDP's flat parameter per wrapped block with its backward/forward prefetch (Zhao et al.
 *   2023). Only each pass's first gather and its last reduce-scatter wait with nothing to hide behind.</li>
 * <li>{@code tensors}: one collective per parameter tensor, fetched when its module runs — DeepSpeed ZeRO-3 as
 *   Narayanan et al. 2021 §5.2 ran it (its parameter coordinator all-gathers each partitioned tensor; the default
 *   prefetch bucket, {@code stage3_prefetch_bucket_size} = 5·10⁷ elements, holds no 175B weight, so nothing is
 *   fetched ahead): every gather and reduce-scatter sits on the critical path, and a layer pays its ring latency
 *   once per tensor.</li>
 * </ul>
 */
public enum ZeroGathers implements Node.Labelled {
    UNITS("units"),
    TENSORS("tensors");

    private final String label;

    ZeroGathers(String label) { this.label = label; }

    @Override public String label() { return label; }

    @Override public String toString() { return label; }
}

package dev.parasim.exec.model;

/**
 * What a column-parallel layer (qkv, fc1) keeps for its weight gradient under sequence parallelism.
 * {@code GATHERED}: the gathered [b·s, h] LayerNorm output, no extra communication.
 * {@code LOCAL}: only this rank's [b·s/t, h] part; the caller AllGathers it again in backward, one
 * more AllGather of b·s·h elements per column-parallel layer, so every saved activation of the layer
 * shrinks t-fold (Korthikanti et al. 2022 §4.2.3). Under plain TP both keep the same whole tensor.
 */
public enum TpSavedInput {
    GATHERED,
    LOCAL
}

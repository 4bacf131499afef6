/**
 * A small GPT-2-style transformer over ND4J whose forward and backward passes are written here layer
 * by layer, with parameters held as one flat vector per unit so distributed strategies can shard,
 * gather and reduce them unit by unit. {@link dev.parasim.exec.model.TensorParallel} splits it
 * Megatron-style over a tensor-parallel group, leaving every collective to the caller.
 */
package dev.parasim.exec.model;

/**
 * The executed simulation: simulated data-parallel ranks run a small model's real training step
 * (DDP, ZeRO-1/2/3, Adam, gradient accumulation) with collectives carried out chunk by chunk, and
 * count the bytes and live tensor memory of every rank.
 */
package dev.parasim.exec;

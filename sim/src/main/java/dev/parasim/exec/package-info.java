/**
 * The executed simulation: simulated ranks on a dp × tp × pp grid run a small model's real training
 * step (DDP, ZeRO-1/2/3, pipeline stages under GPipe, 1F1B, interleaved or ZB-H1, Megatron tensor
 * parallelism, Adam, gradient accumulation) with collectives carried out chunk by chunk on named
 * groups, and count the bytes, live tensor memory and events of every rank. Ranks live in partitions
 * driven superstep by superstep by a {@link dev.parasim.exec.Backend}: Spark's ({@code exec.spark}) for real
 * runs, {@link dev.parasim.exec.InProcessBackend} (one JVM, no Spark) for fast tests.
 */
package dev.parasim.exec;

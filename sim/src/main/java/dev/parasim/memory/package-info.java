/** Memory per GPU by component: ZeRO model states, Korthikanti activations with schedule in-flight counts, buffers and logits. */
package dev.parasim.memory;

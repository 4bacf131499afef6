/** Memory per GPU by component: ZeRO model states, Korthikanti activations with their edge terms (chunk outputs, final norm, fp32 softmax) and schedule in-flight counts, ZB-H1's M_W per pending W, buffers. */
package dev.parasim.memory;

/** Compute cost of transformer work on one GPU: GEMM roofline with size-dependent efficiency, flash attention, element-wise HBM traffic. */
package dev.parasim.cost;

/** Rank placement (TP innermost, then CP, DP, PP) and how each parallel group lies across nodes and link tiers. */
package dev.parasim.plan;

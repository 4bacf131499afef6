package dev.parasim.plan;

/** The parallel dimensions, innermost first: TP, then CP, DP, and PP outermost (Megatron's order). */
public enum Axis { TP, CP, DP, PP }

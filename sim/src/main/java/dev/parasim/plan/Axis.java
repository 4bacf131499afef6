package dev.parasim.plan;

/**
 * The parallel dimensions, innermost first: TP, then CP, DP, and PP outermost (Megatron's order); EP, last here, is
 * carved from DP: groups of ep consecutive data-parallel ranks (the traffic of their AllToAll counts as EP's).
 */
public enum Axis { TP, CP, DP, PP, EP }

package dev.parasim.program;

/** What an allocation is for, as memory per GPU is reported. */
public enum MemoryCategory { PARAMETERS, GRADIENTS, OPTIMIZER, ACTIVATIONS, BUFFERS }

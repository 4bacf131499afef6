package dev.parasim.exec;

import java.io.Serializable;

/** One rank's account of one optimizer step: bytes moved, memory, and the sum of its micro-batch losses. */
record StepReport(int step, RankComm comm, MemorySnapshot memory, double lossSum) implements Serializable {}

/** What a model asks of the hardware: exact parameter counts (and their TP/PP split) and model/hardware FLOPs per step. */
package dev.parasim.workload;

/** Predictions of published runs (Megatron-Core H100 table) with the one global calibration, and their errors. */
package dev.parasim.validate;

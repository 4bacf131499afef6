/**
 * Predictions of published runs with the one global calibration, and their errors: the Megatron-Core H100 table
 * (fitted to), Narayanan et al. 2021 Table 1 on A100 and its Table 2, DeepSpeed ZeRO-3 against PTD-P (both held out).
 */
package dev.parasim.validate;

/**
 * Predictions of published runs with the one global calibration, and their errors: the Megatron-Core H100 table
 * (fitted to) and Narayanan et al. 2021 Table 1 on A100 (held out).
 */
package dev.parasim.validate;

/**
 * The step program: a plan compiled into what every pipeline stage's ranks run in one optimizer step — typed
 * instructions (compute, collective, send/receive, allocate/free, optimizer) in pass bodies, a prologue and an
 * epilogue — written by one generator per strategy and read by every interpreter.
 */
package dev.parasim.program;

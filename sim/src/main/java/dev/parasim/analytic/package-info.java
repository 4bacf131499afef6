/** The accountant: the closed-form interpreter of a plan, giving every collective of a step, the step time with its overlap rules, and MFU. */
package dev.parasim.analytic;

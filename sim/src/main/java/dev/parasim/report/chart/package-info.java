/**
 * Charts of plans, schedules and collectives, each rendered to PNG and SVG from plain records.
 * JFreeChart is used here and nowhere else.
 */
package dev.parasim.report.chart;

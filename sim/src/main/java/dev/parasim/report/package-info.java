/**
 * What users read: the predict table and JSON document, and the full report of an experiment
 * (results files, charts, Markdown and HTML with formulas, sources and provenance) written by {@link dev.parasim.report.ReportWriter}.
 */
package dev.parasim.report;

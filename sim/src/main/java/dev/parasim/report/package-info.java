/** What users read: the predict table and the JSON document. */
package dev.parasim.report;

/** Reads experiment YAML strictly: bundled presets, inline overrides of a preset's keys, --set what-ifs, one-line errors naming path, rule and value. */
package dev.parasim.spec.load;

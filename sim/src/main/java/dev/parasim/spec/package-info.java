/** Input specs: models, clusters, training settings and parallel plans as validated records, with strict YAML loading in spec.load. */
package dev.parasim.spec;

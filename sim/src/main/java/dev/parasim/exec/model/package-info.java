/**
 * A small GPT-2-style transformer over ND4J whose forward and backward passes are written here layer
 * by layer, with parameters held as one flat vector per unit so distributed strategies can shard,
 * gather and reduce them unit by unit.
 */
package dev.parasim.exec.model;

/** Collectives independent of the network: kinds, algorithms (ring, halving-doubling, hierarchical), buffer chunking, and their alpha-beta cost per tier. */
package dev.parasim.collective;

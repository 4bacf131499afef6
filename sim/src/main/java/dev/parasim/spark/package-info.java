/** Spark plumbing shared by the executor and the sweep: how a session is made, embedded or submitted. */
package dev.parasim.spark;

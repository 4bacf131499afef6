/** Fitting the cost model's efficiency parameters to measured step times with Spark MLlib. */
package dev.parasim.calibrate;

/**
 * The notebooks' Jupyter kernel: Java cells run by JShell in the kernel's JVM, with ParaSim on the
 * classpath ({@link dev.parasim.kernel.CellEvaluator}); the wire protocol is jjava-jupyter's
 * ({@link dev.parasim.kernel.ParaSimKernel}, {@link dev.parasim.kernel.KernelMain}); what cells call to
 * show charts and tables ({@link dev.parasim.kernel.Display}) and to assert numbers
 * ({@link dev.parasim.kernel.Expect}).
 */
package dev.parasim.kernel;

package dev.parasim.kernel;

import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Kernel entry point, started by Jupyter as kernel.json's argv says:
 * {@code java … dev.parasim.kernel.KernelMain CONNECTION_FILE}. Binds the five ZeroMQ channels the
 * connection file names and serves cells until Jupyter shuts the kernel down.
 */
public final class KernelMain {
    static final String VERSION = "0.1.0";

    private KernelMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: KernelMain CONNECTION_FILE (Jupyter passes it as {connection_file})");
            System.exit(2);
        }
        String json = Files.readString(Path.of(args[0]), StandardCharsets.UTF_8);
        JupyterConnection connection = new JupyterConnection(KernelConnectionProperties.parse(json));
        ParaSimKernel kernel = ParaSimKernel.create(CellEvaluator.ofJvmClasspath());
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.waitUntilClose();
    }
}

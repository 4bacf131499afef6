package dev.parasim.cli;

import picocli.CommandLine;

/** The version string, from the jar manifest when packaged. */
public final class Version implements CommandLine.IVersionProvider {
    public static String current() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"ParaSim " + current()};
    }
}

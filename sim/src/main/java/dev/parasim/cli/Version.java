package dev.parasim.cli;

import dev.parasim.output.BuildVersion;
import picocli.CommandLine;

/** {@code sim --version}: the build's version ({@link BuildVersion}). */
public final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"ParaSim " + BuildVersion.current()};
    }
}

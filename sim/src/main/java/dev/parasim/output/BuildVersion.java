package dev.parasim.output;

/** The version of this build, stamped into every output's provenance: the jar manifest's when packaged. */
public final class BuildVersion {
    private BuildVersion() {}

    /** {@return the jar manifest's implementation version, or {@code 0.1.0-dev} when run from classes} */
    public static String current() {
        String v = BuildVersion.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-dev" : v;
    }
}

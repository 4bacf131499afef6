package dev.parasim.cli;

import dev.parasim.spec.SpecException;

import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code --out} option, checked before any work starts: an existing directory or one that can be made. */
final class OutDir {
    private OutDir() {}

    /** {@return {@code out}} if it is a writable directory, or its nearest existing ancestor is one */
    static Path check(Path out) {
        Path absolute = out.toAbsolutePath().normalize();
        Path existing = absolute;
        while (existing.getParent() != null && !Files.exists(existing)) existing = existing.getParent();
        if (!Files.isDirectory(existing))
            throw new SpecException("--out", existing.equals(absolute) ? "must be a directory, not a file"
                    : "must not be under a file (" + existing + ")", out.toString());
        if (!Files.isWritable(existing))
            throw new SpecException("--out", "must be writable (" + existing + ")", out.toString());
        return out;
    }
}

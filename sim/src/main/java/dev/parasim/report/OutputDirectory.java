package dev.parasim.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One output directory {@code OUT/<name>/}, written all or nothing: the content goes into a temporary sibling
 * ({@code .<name>.partial-…}) that is renamed into place when complete; an older directory of the same name is
 * moved aside ({@code .<name>.old-…}) just before and removed just after. Any failure, or an interrupt
 * (Ctrl-C runs the shutdown hook), removes the temporary sibling and keeps the older result, so
 * {@code OUT/<name>} is always absent, the previous result or the complete new one. Both siblings carry the
 * writing process's id; a run killed outright (kill -9, power loss) leaves them behind, and the next write of the
 * same name cleans up after it: a dead process's partial directory is removed, and its moved-aside older result
 * is put back when it was never replaced (the kill came between the two renames), removed otherwise.
 */
public final class OutputDirectory {
    /** Fills the temporary directory. */
    public interface Content {
        void write(Path dir) throws IOException;
    }

    private OutputDirectory() {}

    /**
     * {@return {@code outDir/name}, written by {@code content}}
     *
     * @param name one path component (spec names are checked by {@code Check.fileName}); anything else is a bug
     */
    public static Path write(Path outDir, String name, Content content) throws IOException {
        Path leaf = Path.of(name);
        if (leaf.getNameCount() != 1 || leaf.isAbsolute() || name.equals(".") || name.equals(".."))
            throw new IllegalArgumentException("output name must be one path component, found \"" + name + "\"");
        Files.createDirectories(outDir);
        Path target = outDir.resolve(name);
        recover(outDir, name);
        Path temp = Files.createTempDirectory(outDir, sibling(name, "partial"));
        Thread cleanup = new Thread(() -> deleteQuietly(temp), "parasim-output-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            readable(temp);
            content.write(temp);
            replace(temp, target, outDir, name);
        } catch (IOException | RuntimeException | Error failure) {
            try {
                deleteTree(temp);
            } catch (IOException | RuntimeException suppressed) {
                failure.addSuppressed(suppressed);
            }
            throw failure;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // The hook is already running: it removes what is left of the temporary directory.
            }
        }
        return target;
    }

    /** Temporary directories are private (rwx------); the finished output is as readable as any other. */
    private static void readable(Path dir) throws IOException {
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException notPosix) {
            // Not a POSIX file system: its defaults apply.
        }
    }

    /** Moves the finished directory into place; an older one is moved aside first and removed after. */
    private static void replace(Path temp, Path target, Path outDir, String name) throws IOException {
        if (!Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
                // Another run finished first: replace its result as any older one.
            }
        }
        Path old = Files.createTempDirectory(outDir, sibling(name, "old"));
        Files.delete(old);
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException failure) {
            try {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException concurrent) {
                // Another run put its complete result there meanwhile: keep it, drop ours and the old one.
                deleteTree(old);
            }
            throw failure;
        }
        deleteTree(old);
    }

    /** {@return the prefix of a temporary sibling of {@code name}: {@code .<name>.<role>-<pid>-} (a random number follows)} */
    private static String sibling(String name, String role) {
        return "." + name + "." + role + "-" + ProcessHandle.current().pid() + "-";
    }

    /** Cleans up after runs of {@code name} that died without their shutdown hook (see the class comment). */
    static void recover(Path outDir, String name) throws IOException {
        Pattern left = Pattern.compile("\\." + Pattern.quote(name) + "\\.(partial|old)-(\\d{1,19})-\\d+");
        List<Path> siblings;
        try (Stream<Path> list = Files.list(outDir)) {
            siblings = list.sorted().toList();
        }
        Path target = outDir.resolve(name);
        for (Path p : siblings) {
            Matcher m = left.matcher(p.getFileName().toString());
            if (!m.matches() || alive(m.group(2))) continue;
            if (m.group(1).equals("old") && !Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.move(p, target, StandardCopyOption.ATOMIC_MOVE);
                    continue;
                } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
                    // Another run put a complete result there meanwhile: the older one goes.
                }
            }
            deleteTree(p);
        }
    }

    private static boolean alive(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException tooLong) {
            return false;
        }
    }

    /** Deletes a directory tree (symbolic links are removed, never followed). */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (UncheckedIOException ex) {
            throw ex.getCause();
        }
    }

    private static void deleteQuietly(Path root) {
        try {
            deleteTree(root);
        } catch (IOException | RuntimeException ignored) {
            // Best effort while the JVM stops.
        }
    }
}

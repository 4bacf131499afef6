package dev.parasim.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** All-or-nothing output directories: complete or absent, older result kept on failure, never outside OUT. */
class OutputDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void replacesAnOlderResultAndLeavesNoTemporarySibling() throws IOException {
        Path out = dir.resolve("out");
        Path first = OutputDirectory.write(out, "sweep", d -> Files.writeString(d.resolve("a.csv"), "old"));
        Path second = OutputDirectory.write(out, "sweep", d -> Files.writeString(d.resolve("b.csv"), "new"));
        assertEquals(first, second);
        assertEquals(List.of(out.resolve("sweep"), out.resolve("sweep/b.csv")), walk(out));
        assertEquals("new", Files.readString(second.resolve("b.csv")));
    }

    @Test
    void failureMidwayKeepsTheOlderResultAndRemovesItsTemporaryDirectory() throws IOException {
        Path out = dir.resolve("out");
        OutputDirectory.write(out, "sweep", d -> Files.writeString(d.resolve("a.csv"), "old"));
        IOException e = assertThrows(IOException.class, () -> OutputDirectory.write(out, "sweep", d -> {
            Files.writeString(d.resolve("half.csv"), "half");
            throw new IOException("disk full (injected)");
        }));
        assertEquals("disk full (injected)", e.getMessage());
        assertEquals(List.of(out.resolve("sweep"), out.resolve("sweep/a.csv")), walk(out));
        assertThrows(OutOfMemoryError.class, () -> OutputDirectory.write(out, "other", d -> {
            throw new OutOfMemoryError("injected");
        }));
        assertEquals(List.of(out.resolve("sweep"), out.resolve("sweep/a.csv")), walk(out));
    }

    @Test
    void namesThatAreNotOnePathComponentAreRefused() throws IOException {
        Path out = Files.createDirectories(dir.resolve("out"));
        Path sibling = Files.createDirectories(dir.resolve("sibling"));
        Files.writeString(sibling.resolve("keep.txt"), "keep");
        for (String name : List.of("..", ".", "../sibling", "a/b", dir.resolve("sibling").toString()))
            assertThrows(IllegalArgumentException.class, () -> OutputDirectory.write(out, name, d -> {}), name);
        assertEquals(List.of(), walk(out));
        assertEquals("keep", Files.readString(sibling.resolve("keep.txt")));
    }

    /**
     * What kill -9 leaves (no shutdown hook ran): a partial directory, and, when the kill came between the two
     * renames, the older result moved aside and nothing in place. The next write of that name removes the first and
     * puts the second back before it starts; a live process's siblings and other names' are left alone.
     */
    @Test
    void siblingsOfAKilledRunAreCleanedUpAndAnOlderResultMovedAsideIsRestored() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long dead = gone.pid(), live = ProcessHandle.current().pid();
        Path partial = Files.createDirectories(out.resolve(".sweep.partial-" + dead + "-123"));
        Files.writeString(partial.resolve("half.csv"), "half");
        Path aside = Files.createDirectories(out.resolve(".sweep.old-" + dead + "-456"));
        Files.writeString(aside.resolve("a.csv"), "old");
        Path running = Files.createDirectories(out.resolve(".sweep.partial-" + live + "-789"));
        Path otherName = Files.createDirectories(out.resolve(".other.partial-" + dead + "-1"));

        OutputDirectory.recover(out, "sweep");
        assertEquals(List.of(otherName, running, out.resolve("sweep"), out.resolve("sweep/a.csv")), walk(out));
        assertEquals("old", Files.readString(out.resolve("sweep/a.csv")));

        // With a result in place, a dead run's moved-aside copy is stale: removed.
        Path stale = Files.createDirectories(out.resolve(".sweep.old-" + dead + "-7"));
        OutputDirectory.write(out, "sweep", d -> Files.writeString(d.resolve("b.csv"), "new"));
        assertEquals(List.of(otherName, running, out.resolve("sweep"), out.resolve("sweep/b.csv")), walk(out));
        assertEquals(false, Files.exists(stale));
    }

    static List<Path> walk(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> !p.equals(root)).sorted().toList();
        }
    }
}

package dev.parasim.teach;

import dev.parasim.spec.load.SpecTrees;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The bank as a static bilingual site: {@code index.html} (every topic, both languages), {@code en/} and {@code zh/}
 * (an index and a page per question), {@code charts/} (PNG + SVG), {@code setups/} (each setup as an experiment file)
 * and {@code style.css}. Built in a temporary sibling directory and renamed into place: complete or absent.
 */
public final class Book {
    private Book() {}

    /** Writes the book into {@code dir} (replacing it); {@return its index.html} */
    public static Path write(Bank bank, Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempDirectory(parent, "." + target.getFileName() + ".partial-");
        try {
            build(bank, temp);
            replace(temp, target);
        } catch (IOException | RuntimeException e) {
            deleteTree(temp);
            throw e;
        }
        return target.resolve("index.html");
    }

    static void build(Bank bank, Path root) throws IOException {
        Map<String, Answer> answers = new LinkedHashMap<>();
        for (Question q : bank.questions()) answers.put(q.id(), Answer.of(bank, q, List.of()));
        Files.createDirectories(root.resolve("charts"));
        Files.createDirectories(root.resolve("setups"));
        text(root.resolve("style.css"), BookPages.CSS);
        text(root.resolve("index.html"), BookPages.home(bank, answers));
        for (var setup : bank.setups().entrySet())
            text(root.resolve("setups").resolve(setup.getKey() + ".yaml"), SpecTrees.dump(setup.getValue(), List.of()));
        for (Answer a : answers.values())
            if (a.question().answerable() && a.question().chart() != null) QuestionChart.save(bank, a, root.resolve("charts"));
        for (Lang lang : Lang.values()) {
            Path dir = Files.createDirectories(root.resolve(lang.label()));
            text(dir.resolve("index.html"), BookPages.index(bank, answers, lang));
            List<Question> ordered = java.util.Arrays.stream(Topic.values()).flatMap(t -> bank.of(t).stream()).toList();
            for (int i = 0; i < ordered.size(); i++) {
                Question q = ordered.get(i);
                String previous = i > 0 ? ordered.get(i - 1).id() : null;
                String next = i + 1 < ordered.size() ? ordered.get(i + 1).id() : null;
                text(dir.resolve(q.id() + ".html"), BookPages.question(answers.get(q.id()), lang, previous, next));
            }
        }
    }

    private static void text(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    /** Moves the finished book into place; an older one is moved aside first and removed after. */
    private static void replace(Path temp, Path target) throws IOException {
        if (!Files.exists(target)) {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        Path old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old-");
        Files.delete(old);
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException failure) {
            Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            throw failure;
        }
        deleteTree(old);
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (UncheckedIOException ex) {
            throw ex.getCause();
        }
    }
}

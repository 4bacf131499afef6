package dev.parasim.teach;

import dev.parasim.report.OutputDirectory;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.load.SpecTrees;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bank as a static bilingual site: {@code index.html} (every topic, both languages), {@code en/} and {@code zh/}
 * (an index and a page per question), {@code charts/} (PNG + SVG), {@code setups/} (each setup as an experiment file)
 * {@code style.css} and, when given, the executed notebooks ({@code notebooks/}). Written all or nothing, as every output ({@code report.OutputDirectory}).
 */
public final class Book {
    private Book() {}

    /** Writes the book into {@code dir} (replacing it, all or nothing: {@code report.OutputDirectory}); {@return its index.html} */
    public static Path write(Bank bank, Path dir) throws IOException {
        return write(bank, dir, null);
    }

    /**
     * As {@link #write(Bank, Path)}, with the executed notebooks of {@code notebooks} (a directory of {@code .ipynb}
     * files, or null for none) as pages under {@code notebooks/}, linked from the index.
     */
    public static Path write(Bank bank, Path dir, Path notebooks) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        if (target.getParent() == null) throw new SpecException("--out", "must be a directory below the file system root", dir);
        List<NotebookPages.Notebook> pages = notebooks == null ? List.of() : NotebookPages.load(notebooks);
        return OutputDirectory.write(target.getParent(), target.getFileName().toString(), temp -> build(bank, pages, temp))
                .resolve("index.html");
    }

    static void build(Bank bank, List<NotebookPages.Notebook> notebooks, Path root) throws IOException {
        Map<String, Answer> answers = new LinkedHashMap<>();
        for (Question q : bank.questions()) answers.put(q.id(), Answer.of(bank, q, List.of()));
        Files.createDirectories(root.resolve("charts"));
        Files.createDirectories(root.resolve("setups"));
        text(root.resolve("style.css"), BookPages.CSS);
        text(root.resolve("index.html"), BookPages.home(bank, answers, !notebooks.isEmpty()));
        if (!notebooks.isEmpty()) NotebookPages.write(notebooks, root);
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
}

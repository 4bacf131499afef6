package dev.parasim.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's generated example blocks. Each one is written as
 * <pre>
 * &lt;!-- example: predict configs/experiments/gpt3-on-a100.yaml | head -11 --&gt;
 * ```
 * $ scripts/sim predict configs/experiments/gpt3-on-a100.yaml | head -11
 * (what that command prints)
 * ```
 * &lt;!-- /example --&gt;
 * </pre>
 * The marker holds the {@code sim} arguments (single quotes group words, as in bash) and optional filters,
 * {@code | head -N} and {@code | grep 'TEXT'} (fixed text). {@link #render} runs the command in-process through
 * {@link Main#execute} from the repository root's point of view and rebuilds the block; {@code scripts/readme-examples}
 * rewrites the README with it, {@code ReadmeExamplesTest} checks the README equals it.
 */
final class ReadmeExamples {
    static final Path README = Path.of("..", "README.md");
    private static final Pattern BLOCK = Pattern.compile(
            "<!-- example: (.+?) -->\\n```\\n(.*?)```\\n<!-- /example -->", Pattern.DOTALL);

    private ReadmeExamples() {}

    /** One generated block: its marker command and the text between the fences. */
    record Example(String command, String shown) {}

    static List<Example> examples(String readme) {
        List<Example> found = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) found.add(new Example(m.group(1), m.group(2)));
        return found;
    }

    /** {@return the README with every example block regenerated from a real run} */
    static String regenerate(String readme, Path scratch) throws IOException {
        Matcher m = BLOCK.matcher(readme);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String block = "<!-- example: " + m.group(1) + " -->\n```\n" + render(m.group(1), scratch) + "```\n<!-- /example -->";
            m.appendReplacement(out, Matcher.quoteReplacement(block));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** {@return "$ scripts/sim COMMAND" and what it prints, filtered as the command says} */
    static String render(String command, Path scratch) throws IOException {
        String[] stages = command.split(" \\| ");
        List<String> args = words(stages[0]);
        // Paths are shown from the repository root; tests run in sim/. Outputs go to a scratch directory.
        List<String> run = new ArrayList<>();
        String shownOut = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (i > 0 && args.get(i - 1).equals("--out")) {
                shownOut = a;
                run.add(scratch.toString());
            } else run.add(a.startsWith("configs/") ? "../" + a : a);
        }
        CliRunner r = CliRunner.run(run.toArray(String[]::new));
        if (r.exitCode() != 0) throw new IllegalStateException("sim " + command + " exited " + r.exitCode() + ": " + r.err());
        String printed = r.out();
        if (shownOut != null) printed = printed.replace(scratch.toString(), shownOut.replaceAll("/+$", ""));
        List<String> lines = new ArrayList<>(printed.lines().toList());
        for (int s = 1; s < stages.length; s++) {
            List<String> filter = words(stages[s]);
            switch (filter.get(0)) {
                case "head" -> lines = new ArrayList<>(lines.subList(0, Math.min(lines.size(), Integer.parseInt(filter.get(1).substring(1)))));
                case "grep" -> lines.removeIf(l -> !l.contains(filter.get(1)));
                default -> throw new IllegalArgumentException("README example filter: must be head -N or grep 'TEXT', found " + stages[s]);
            }
        }
        StringBuilder b = new StringBuilder("$ scripts/sim ").append(command).append('\n');
        for (String l : lines) b.append(l.stripTrailing()).append('\n');
        return b.toString();
    }

    /** Splits on spaces; single quotes group words (the quotes are dropped, as bash does). */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false, any = false;
        for (char c : text.strip().toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any) words.add(w.toString());
                w.setLength(0);
                any = false;
            } else {
                w.append(c);
                any = true;
            }
        }
        if (any) words.add(w.toString());
        return words;
    }

    static String read() throws IOException {
        return Files.readString(README, StandardCharsets.UTF_8);
    }

    static void write(String readme) throws IOException {
        Files.writeString(README, readme, StandardCharsets.UTF_8);
    }
}

package dev.parasim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README tells the truth: every generated example block equals what its command prints now, and every other
 * {@code scripts/sim} / {@code scripts/submit} command it shows parses and names files that exist. With
 * {@code -Dreadme.write=true} (what {@code scripts/readme-examples} passes) the blocks are rewritten instead.
 */
class ReadmeExamplesTest {
    private static final Pattern SIM_COMMAND = Pattern.compile("scripts/(?:sim|submit) ([^`\\n#]+)");

    @TempDir
    Path scratch;

    @Test
    void everyExampleBlockIsWhatItsCommandPrints() throws IOException {
        String readme = ReadmeExamples.read();
        List<ReadmeExamples.Example> examples = ReadmeExamples.examples(readme);
        assertTrue(examples.size() >= 4, "README example blocks: " + examples.size());
        if (Boolean.getBoolean("readme.write")) {
            ReadmeExamples.write(ReadmeExamples.regenerate(readme, scratch));
            return;
        }
        for (ReadmeExamples.Example e : examples)
            assertEquals(ReadmeExamples.render(e.command(), scratch), e.shown(),
                    "README block for `" + e.command() + "` is stale: run scripts/readme-examples");
    }

    @Test
    void everyOtherCommandShownParsesAndItsFilesExist() throws IOException {
        String readme = ReadmeExamples.read();
        List<String> commands = new ArrayList<>();
        Matcher m = SIM_COMMAND.matcher(readme);
        while (m.find()) {
            String c = m.group(1).strip();
            // Synopses with [optional] parts and the generic verb list are not commands to run.
            if (c.contains("[") && !c.contains("plans[") || c.startsWith("predict`") || c.contains("…") || c.contains("URL")) continue;
            commands.add(c.replaceAll("\\s+\\|.*$", ""));
        }
        assertTrue(commands.size() >= 8, "commands found: " + commands);
        for (String c : commands) {
            List<String> args = new ArrayList<>();
            for (String w : ReadmeExamples.words(c)) {
                if (w.startsWith("configs/")) {
                    List<Path> files = glob(w);
                    assertFalse(files.isEmpty(), "README command `" + c + "` names a missing file: " + w);
                    files.forEach(f -> args.add(f.toString()));
                } else args.add(w);
            }
            CommandLine cli = new CommandLine(new Main());
            CommandLine.ParseResult parsed = cli.parseArgs(args.toArray(String[]::new));
            assertTrue(parsed.hasSubcommand(), "README command `" + c + "` names no verb");
        }
    }

    @Test
    void everyScriptTheReadmeNamesExists() {
        Matcher m = Pattern.compile("scripts/([a-z-]+)").matcher(readmeText());
        int n = 0;
        while (m.find()) {
            assertTrue(Files.isExecutable(Path.of("..", "scripts", m.group(1))), "scripts/" + m.group(1));
            n++;
        }
        assertTrue(n > 10);
    }

    private static String readmeText() {
        try {
            return ReadmeExamples.read();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Path> glob(String pattern) throws IOException {
        Path dir = Path.of("..").resolve(pattern).getParent();
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + Path.of("..").resolve(pattern));
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(matcher::matches).sorted().toList();
        }
    }
}

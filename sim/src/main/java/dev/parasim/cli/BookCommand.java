package dev.parasim.cli;

import dev.parasim.teach.Bank;
import dev.parasim.teach.Book;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code sim book}: the question bank as a static bilingual HTML site, every number computed now. */
@Command(name = "book", mixinStandardHelpOptions = true,
        description = "Render the teaching bank (seeds/questions.yaml) as a static bilingual HTML site in OUT: an index by topic "
                + "and a page per question with its chart, numbers, formula, source and command, and the executed notebooks. "
                + "OUT is replaced atomically.")
public final class BookCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", description = "the book's directory (default: ${DEFAULT-VALUE})", defaultValue = "out/book")
    Path out;

    @Option(names = "--bank", paramLabel = "FILE", description = "a question bank other than the bundled seeds/questions.yaml")
    Path bankFile;

    @Option(names = "--notebooks", paramLabel = "DIR", description = "the executed notebooks to add as pages "
            + "(default: ./notebooks when it exists, as in a checkout of the repository)")
    Path notebooks;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Bank bank = bankFile == null ? Bank.bundled() : Bank.load(bankFile);
        Path pages = notebooks != null ? notebooks : java.nio.file.Files.isDirectory(Path.of("notebooks")) ? Path.of("notebooks") : null;
        Book.write(bank, out, pages);
        var stdout = spec.commandLine().getOut();
        stdout.println(out.resolve("index.html"));
        stdout.flush();
        return 0;
    }
}

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
                + "and a page per question with its chart, numbers, formula, source and command. OUT is replaced atomically.")
public final class BookCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", description = "the book's directory (default: ${DEFAULT-VALUE})", defaultValue = "out/book")
    Path out;

    @Option(names = "--bank", paramLabel = "FILE", description = "a question bank other than the bundled seeds/questions.yaml")
    Path bankFile;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Bank bank = bankFile == null ? Bank.bundled() : Bank.load(bankFile);
        Book.write(bank, out);
        var stdout = spec.commandLine().getOut();
        stdout.println(out.resolve("index.html"));
        stdout.flush();
        return 0;
    }
}

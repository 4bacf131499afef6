package dev.parasim.cli;

import dev.parasim.teach.Bank;
import dev.parasim.teach.Question;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sim explain} and {@code sim book} through the real entry point. */
class ExplainCommandTest {
    @TempDir
    Path dir;

    @Test
    void explainsZeroThreeWithItsNumbersAndChart() throws IOException {
        CliRunner r = CliRunner.run("explain", "zero-3-vs-ddp-bytes", "--out", dir.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("Answer: 1.50×"), r.out());
        assertTrue(r.out().contains("ratio     = 1.50×"), r.out());
        assertTrue(r.out().contains("Rajbhandari et al. 2020"), r.out());
        assertTrue(r.out().contains("Regenerate: scripts/sim explain zero-3-vs-ddp-bytes"), r.out());
        assertNotNull(ImageIO.read(dir.resolve("zero-3-vs-ddp-bytes.png").toFile()));
        assertTrue(Files.size(dir.resolve("zero-3-vs-ddp-bytes.svg")) > 1000);

        CliRunner zh = CliRunner.run("explain", "zero-3-vs-ddp-bytes", "--lang", "zh", "--no-chart", "--set", "cluster.nodes=2",
                "--set", "training.globalBatch=16");
        assertEquals(0, zh.exitCode(), zh.err());
        assertTrue(zh.out().contains("答案: 1.50×"), zh.out());
        assertTrue(zh.out().contains("16 卡"), zh.out());
        assertTrue(zh.out().contains("--set cluster.nodes=2 --set training.globalBatch=16"), zh.out());
    }

    @Test
    void explainsATopicAndPrintsASetup() {
        CliRunner r = CliRunner.run("explain", "pipeline", "--no-chart");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(Bank.bundled().of(dev.parasim.teach.Topic.PIPELINE).size(), r.out().split("\nRegenerate: ", -1).length - 1, r.out());
        CliRunner spec = CliRunner.run("explain", "pipeline-bubble-1f1b", "--spec", "--set", "training.globalBatch=64");
        assertEquals(0, spec.exitCode(), spec.err());
        assertTrue(spec.out().contains("globalBatch: 64"), spec.out());
        assertTrue(spec.out().contains("schedule: 1f1b"), spec.out());
    }

    @Test
    void listsTheBankInBothLanguagesAndWhatIsMissing() {
        Bank bank = Bank.bundled();
        CliRunner r = CliRunner.run("explain", "--list");
        assertEquals(0, r.exitCode(), r.err());
        for (Question q : bank.questions()) assertTrue(r.out().contains("  " + q.id()), q.id());
        assertTrue(bank.questions().size() >= 70);
        assertEquals(bank.questions().size(), r.out().split("\n    en: ", -1).length - 1);
        assertEquals(bank.questions().size(), r.out().split("\n    zh: ", -1).length - 1);
        CliRunner missing = CliRunner.run("explain", "--missing");
        assertEquals(0, missing.exitCode(), missing.err());
        long waiting = bank.questions().stream().filter(q -> !q.answerable()).count();
        assertTrue(missing.out().startsWith(waiting + " of " + bank.questions().size() + " questions need a capability not built yet"), missing.out());
        for (Question q : bank.questions())
            assertEquals(!q.answerable(), missing.out().contains("  " + q.id() + " — "), q.id());
    }

    @Test
    void writesTheBookOfABankAndReplacesItWhole() throws IOException {
        Path bank = dir.resolve("bank.yaml");
        Files.writeString(bank, dev.parasim.teach.BankReaderTest.VALID);
        Path out = dir.resolve("book");
        for (int run = 0; run < 2; run++) {
            CliRunner r = CliRunner.run("book", "--bank", bank.toString(), "--out", out.toString());
            assertEquals(0, r.exitCode(), r.err());
            assertEquals(out.resolve("index.html").toString(), r.out().strip());
        }
        for (String page : java.util.List.of("index.html", "style.css", "en/index.html", "zh/index.html", "en/q-one.html",
                "zh/q-one.html", "en/q-two.html", "zh/q-two.html", "charts/q-one.svg", "charts/q-one.png", "setups/s.yaml"))
            assertTrue(Files.isRegularFile(out.resolve(page)), page);
        assertTrue(Files.readString(out.resolve("zh/q-one.html")).contains("1.50×"));
        try (var left = Files.list(dir)) {
            assertEquals(java.util.List.of("bank.yaml", "book"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no partial or old book left beside it");
        }
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws IOException {
        CliRunner r = CliRunner.run("explain", "zero-4");
        assertEquals(Main.SPEC_ERROR, r.exitCode());
        assertTrue(r.err().startsWith("QUESTION|TOPIC: must be a question id (sim explain --list) or a topic"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        CliRunner lang = CliRunner.run("explain", "zero-3-vs-ddp-bytes", "--lang", "fr", "--no-chart");
        assertEquals(Main.SPEC_ERROR, lang.exitCode());
        assertEquals("--lang: must be one of [en, zh], found \"fr\"", lang.err().strip());
        Path bank = dir.resolve("bank.yaml");
        Files.writeString(bank, "setups: {}\nquestions: []\n");
        CliRunner bad = CliRunner.run("book", "--bank", bank.toString(), "--out", dir.resolve("book").toString());
        assertEquals(Main.SPEC_ERROR, bad.exitCode());
        assertEquals("questions: must not be empty, found a list of 0", bad.err().strip());
        assertTrue(Files.notExists(dir.resolve("book")));
    }
}

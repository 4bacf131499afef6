package dev.parasim.teach;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Writes the book and checks it as a reader would: every link and image of every page resolves to a file in the
 * book, both languages are there, and headless Chromium decodes every chart and renders a Chinese and an English
 * page. Needs Chromium and a CJK font ({@code scripts/install-chromium}); output stays under target/chromium-book.
 */
class BookChromiumTest {
    static final Path OUT = Path.of("target", "chromium-book").toAbsolutePath();
    static final Pattern REF = Pattern.compile("(?:src|href)=\"([^\"]+)\"");
    static final Pattern PROBE = Pattern.compile("data-probe=\"images=(\\d+);broken=([^\"]*);lang=([^;\"]*);han=(\\d+)\"");

    @Test
    void bookHasNoBrokenLinkOrImageInEitherLanguage() throws Exception {
        Path chromium = chromium();
        Bank bank = Bank.bundled();
        dev.parasim.report.OutputDirectory.deleteTree(OUT);
        Path notebooks = Path.of("..", "notebooks");
        long notebookCount;
        try (Stream<Path> files = Files.list(notebooks)) {
            notebookCount = files.filter(p -> p.toString().endsWith(".ipynb")).count();
        }
        Path book = Book.write(bank, OUT.resolve("book"), notebooks).getParent();

        List<Path> pages;
        try (Stream<Path> walk = Files.walk(book)) {
            pages = walk.filter(p -> p.toString().endsWith(".html")).sorted().toList();
        }
        assertEquals(2 * bank.questions().size() + 3 + notebookCount + 1, pages.size(),
                "pages: index, en/ and zh/ indexes, a page per question and language, the notebooks' index and a page each");
        int links = 0;
        for (Path page : pages) {
            String html = Files.readString(page);
            Matcher m = REF.matcher(html);
            while (m.find()) {
                String ref = m.group(1);
                assertFalse(ref.contains("://"), page + " links outside the book: " + ref);
                String file = ref.contains("#") ? ref.substring(0, ref.indexOf('#')) : ref;
                assertTrue(Files.isRegularFile(page.getParent().resolve(file)), page + " has a broken link: " + ref);
                links++;
            }
        }
        assertTrue(links > 10 * bank.questions().size(), "links checked: " + links);
        for (Question q : bank.questions()) {
            String en = Files.readString(book.resolve("en").resolve(q.id() + ".html"));
            String zh = Files.readString(book.resolve("zh").resolve(q.id() + ".html"));
            assertTrue(en.startsWith("<!DOCTYPE html>\n<html lang=\"en\">") && en.contains("Common wrong answer"), q.id());
            assertTrue(zh.startsWith("<!DOCTYPE html>\n<html lang=\"zh-CN\">") && zh.contains("常见错误答案"), q.id());
            if (q.answerable()) {
                assertTrue(Files.size(book.resolve("charts").resolve(q.id() + ".svg")) > 1000, q.id());
                assertNotNull(ImageIO.read(book.resolve("charts").resolve(q.id() + ".png").toFile()), q.id());
            }
        }

        // The notebooks: linked from the index, each page with its code, outputs and charts, and its .ipynb to download.
        assertTrue(Files.readString(book.resolve("index.html")).contains("href=\"notebooks/index.html\""));
        String zeroPage = Files.readString(book.resolve("notebooks").resolve("06-zero-and-fsdp.html"));
        assertTrue(zeroPage.contains("<h1>6 · ZeRO and FSDP</h1>"), zeroPage.substring(0, 600));
        assertTrue(zeroPage.contains("<pre class=\"cell\"><code>") && zeroPage.contains("<table>"), "code cells and Markdown tables");
        assertTrue(zeroPage.contains("<img src=\"06-zero-and-fsdp-1.png\""), "the notebook's first chart");
        assertNotNull(ImageIO.read(book.resolve("notebooks").resolve("06-zero-and-fsdp-1.png").toFile()));
        assertEquals(Files.readString(notebooks.resolve("06-zero-and-fsdp.ipynb")), Files.readString(book.resolve("notebooks").resolve("06-zero-and-fsdp.ipynb")));
        String nbDom = probe(chromium, book.resolve("notebooks"), zeroPage);
        Matcher nbImages = PROBE.matcher(nbDom);
        assertTrue(nbImages.find(), "Chromium did not run the probe on a notebook page");
        assertTrue(Integer.parseInt(nbImages.group(1)) >= 1, "images on the notebook page: " + nbImages.group(1));
        assertEquals("", nbImages.group(2), "notebook charts broken in Chromium");

        // In the browser: every chart the book has, as the pages reference them, decoded.
        StringBuilder all = new StringBuilder("<!DOCTYPE html><html lang=\"en\"><body>");
        try (Stream<Path> charts = Files.list(book.resolve("charts"))) {
            charts.sorted().forEach(c -> all.append("<img src=\"charts/").append(c.getFileName()).append("\">"));
        }
        String dom = probe(chromium, book, all.append("</body></html>").toString());
        Matcher allImages = PROBE.matcher(dom);
        assertTrue(allImages.find(), "Chromium did not run the image probe");
        assertEquals("", allImages.group(2), "charts broken in Chromium");
        assertEquals(2 * bank.questions().stream().filter(Question::answerable).count(), Integer.parseInt(allImages.group(1)));

        // A Chinese page as Chromium renders it: its chart loads, its language is zh-CN, its text is Chinese.
        Path zhPage = book.resolve("zh").resolve("zero-3-vs-ddp-bytes.html");
        String zhDom = probe(chromium, zhPage.getParent(), Files.readString(zhPage));
        Matcher zh = PROBE.matcher(zhDom);
        assertTrue(zh.find(), "Chromium did not run the probe on the Chinese page");
        assertEquals("1", zh.group(1));
        assertEquals("", zh.group(2));
        assertEquals("zh-CN", zh.group(3));
        assertTrue(Integer.parseInt(zh.group(4)) > 100, "Chinese characters on the page: " + zh.group(4));
        assertTrue(zhDom.contains("1.50×"), "the page shows the computed ratio");

        for (String lang : List.of("en", "zh")) {
            Path shot = OUT.resolve("book-" + lang + ".png");
            run(chromium, List.of("--screenshot=" + shot, "--window-size=1200,1500",
                    book.resolve(lang).resolve("zero-3-vs-ddp-bytes.html").toUri().toString()), OUT);
            BufferedImage image = ImageIO.read(shot.toFile());
            assertNotNull(image, "screenshot is not a PNG");
            assertEquals(1200, image.getWidth());
            assertTrue(distinctColours(image) > 20, "screenshot is (nearly) blank");
        }
    }

    /** Writes {@code html} with a load-time probe into {@code dir}, dumps Chromium's DOM of it, and deletes it. */
    static String probe(Path chromium, Path dir, String html) throws IOException, InterruptedException {
        Path probe = dir.resolve(".probe.html");
        Files.writeString(probe, html.replace("</body>", """
                <script>window.addEventListener('load', () => { const bad = [...document.images]
                  .filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src'));
                  const han = (document.body.innerText.match(/[\\u4e00-\\u9fff]/g) || []).length;
                  document.body.setAttribute('data-probe', 'images=' + document.images.length + ';broken=' + bad.join(' ')
                    + ';lang=' + document.documentElement.lang + ';han=' + han); });
                </script></body>"""), StandardCharsets.UTF_8);
        try {
            return run(chromium, List.of("--dump-dom", "--virtual-time-budget=20000", probe.toUri().toString()), OUT);
        } finally {
            Files.delete(probe);
        }
    }

    static Path chromium() {
        String env = System.getenv("CHROMIUM");
        List<Path> candidates = new ArrayList<>();
        if (env != null && !env.isBlank()) candidates.add(Path.of(env));
        candidates.addAll(List.of(Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromium-browser")));
        for (Path c : candidates) if (Files.isExecutable(c)) return c;
        return fail("Chromium not found at " + candidates + ": run scripts/install-chromium (as root), or set CHROMIUM");
    }

    static String run(Path chromium, List<String> args, Path workDir) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("parasim-chromium-");
        try {
            List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--hide-scrollbars", "--user-data-dir=" + profile));
            command.addAll(args);
            Path stdout = Files.createTempFile(workDir, "chromium-", ".out");
            Path stderr = Files.createTempFile(workDir, "chromium-", ".err");
            Process p = new ProcessBuilder(command).directory(workDir.toFile())
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("Chromium did not finish within 120 s: " + command);
            }
            String out = Files.readString(stdout, StandardCharsets.UTF_8);
            String err = Files.readString(stderr, StandardCharsets.UTF_8);
            Files.delete(stdout);
            Files.delete(stderr);
            assertEquals(0, p.exitValue(), "Chromium failed: " + command + "\n" + err);
            return out;
        } finally {
            try (Stream<Path> walk = Files.walk(profile)) {
                for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            }
        }
    }

    static int distinctColours(BufferedImage image) {
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 4)
            for (int x = 0; x < image.getWidth(); x += 4) colours.add(image.getRGB(x, y));
        return colours.size();
    }
}

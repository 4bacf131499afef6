package dev.parasim.report;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Opens the showcase report in headless Chromium: every image the page references must exist, be valid
 * and load in the browser, and a screenshot of the page must come out. Needs Chromium
 * ({@code scripts/install-chromium}); output stays under target/chromium-report for a person to look at.
 */
class ReportHtmlChromiumTest {
    static final Path OUT = Path.of("target", "chromium-report").toAbsolutePath();
    static final Path SHOWCASE = Path.of("..", "configs", "experiments", "showcase-llama2-70b.yaml");
    static final Pattern SRC = Pattern.compile("(?:src|href)=\"([^\"]+\\.(?:svg|png))\"");
    static final Pattern PROBE = Pattern.compile("data-probe=\"images=(\\d+);broken=([^\"]*)\"");

    @Test
    void showcaseReportRendersWithEveryImage() throws Exception {
        Path chromium = chromium();
        ReportWriter.deleteTree(OUT);
        Experiment e = SpecLoader.load(SHOWCASE, List.of());
        Path report = new ReportWriter(ReportWriterTest.FIXED, null).write(OUT, ReportWriter.Input.predict(e, true));
        String html = Files.readString(report.resolve("report.html"));

        List<String> referenced = new ArrayList<>();
        Matcher m = SRC.matcher(html);
        while (m.find()) referenced.add(m.group(1));
        assertTrue(referenced.size() >= 2 * (8 + e.plans().size()), "expected every chart (and a Gantt per plan) as SVG and PNG, found " + referenced);
        for (String ref : referenced) {
            Path file = report.resolve(ref);
            assertTrue(Files.isRegularFile(file), "report.html references a missing file: " + ref);
            assertTrue(Files.size(file) > 1000, "referenced file is (nearly) empty: " + ref);
            if (ref.endsWith(".png")) assertNotNull(ImageIO.read(file.toFile()), "not a readable PNG: " + ref);
            else assertEquals("svg", Svg.parse(file).getDocumentElement().getLocalName(), "not an SVG document: " + ref);
        }

        // In the browser: a copy of the page that records, once loaded, which images failed to decode.
        Path probe = report.resolve(".probe.html");
        Files.writeString(probe, html.replace("</body>", """
                <script>window.addEventListener('load', () => { const bad = [...document.images]
                  .filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src'));
                  document.body.setAttribute('data-probe', 'images=' + document.images.length + ';broken=' + bad.join(' ')); });
                </script></body>"""));
        String dom = run(chromium, List.of("--dump-dom", "--virtual-time-budget=15000", probe.toUri().toString()), OUT);
        Files.delete(probe);
        Matcher result = PROBE.matcher(dom);
        assertTrue(result.find(), "Chromium did not run the image probe; DOM starts: " + dom.substring(0, Math.min(300, dom.length())));
        assertEquals("", result.group(2), "images broken in Chromium: " + result.group(2));
        assertEquals(html.split("<img ", -1).length - 1, Integer.parseInt(result.group(1)), "images the browser saw");

        Path screenshot = OUT.resolve("report-screenshot.png");
        run(chromium, List.of("--screenshot=" + screenshot, "--window-size=1400,2000", report.resolve("report.html").toUri().toString()), OUT);
        assertTrue(Files.isRegularFile(screenshot), "Chromium wrote no screenshot");
        BufferedImage shot = ImageIO.read(screenshot.toFile());
        assertNotNull(shot, "screenshot is not a PNG");
        assertEquals(1400, shot.getWidth());
        assertEquals(2000, shot.getHeight());
        assertTrue(Files.size(screenshot) > 50_000, "screenshot suspiciously small: " + Files.size(screenshot));
        assertTrue(distinctColours(shot) > 20, "screenshot is (nearly) blank");
    }

    /** {@return the Chromium binary, or a failure that says how to install it} */
    static Path chromium() {
        String env = System.getenv("CHROMIUM");
        List<Path> candidates = new ArrayList<>();
        if (env != null && !env.isBlank()) candidates.add(Path.of(env));
        candidates.addAll(List.of(Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromium-browser")));
        for (Path c : candidates) if (Files.isExecutable(c)) return c;
        return fail("Chromium not found at " + candidates + ": run scripts/install-chromium (as root) to install it, "
                + "or set CHROMIUM to its path");
    }

    /** Runs headless Chromium with a fresh profile; {@return its standard output} */
    static String run(Path chromium, List<String> args, Path workDir) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("parasim-chromium-");
        try {
            List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + profile));
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
            assertFalse(out.isEmpty() && args.contains("--dump-dom"), "Chromium printed no DOM:\n" + err);
            return out;
        } finally {
            ReportWriter.deleteTree(profile);
        }
    }

    static int distinctColours(BufferedImage image) {
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 4)
            for (int x = 0; x < image.getWidth(); x += 4) colours.add(image.getRGB(x, y));
        return colours.size();
    }
}

package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report opens in a real browser (headless Chromium, no network) with its three plots drawn.
 * Chromium is required, not optional: ./test installs it.
 */
class SimHtmlReportTest {

    @TempDir
    Path dir;

    @Test
    void chromiumRendersThePlots() throws IOException, InterruptedException {
        SimResult result = new Simulation(
                        new SimSettings(3, 16, 2000, Optional.empty(), true, Optional.empty(), "none", Set.of(), 2, 2))
                .run(n -> {});
        Path page = Files.writeString(dir.resolve("report.html"), SimHtmlReport.html(result));
        String chromium = chromium();
        Process browser = new ProcessBuilder(List.of(
                        chromium,
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--no-first-run",
                        "--user-data-dir=" + dir.resolve("profile"),
                        "--dump-dom",
                        page.toUri().toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                // to a file, so the wait below is what bounds the run (reading a pipe to its end would not)
                .redirectOutput(dir.resolve("dom.html").toFile())
                .start();
        boolean exited = browser.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            browser.destroyForcibly();
        }
        assertTrue(exited, "chromium did not exit within 60 s");
        String dom = Files.readString(dir.resolve("dom.html"));
        assertEquals(0, browser.exitValue(), "chromium failed");
        assertTrue(dom.contains("<svg id=\"ownership\""), "ownership timeline missing");
        assertTrue(dom.contains("class=\"band\""), "no ownership band was drawn");
        assertTrue(dom.contains("<polyline"), "throughput plot missing");
        assertTrue(dom.contains("class=\"latency-p50\""), "latency bars missing");
        assertTrue(dom.contains("No violation in 2000 operations"), "verdict missing");
    }

    private static String chromium() {
        return Stream.concat(
                        Stream.of(Path.of("/usr/bin/chromium")),
                        Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                                .filter(d -> !d.isEmpty())
                                .map(d -> Path.of(d, "chromium")))
                .filter(Files::isExecutable)
                .findFirst()
                .map(Path::toString)
                .orElseGet(() -> fail("chromium is not installed: this test renders the report in headless Chromium"
                        + " (Debian's chromium; ./test installs it when run as root)"));
    }
}

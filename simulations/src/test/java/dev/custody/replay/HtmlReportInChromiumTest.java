package dev.custody.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.Topology;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;
import dev.custody.sim.SimTopology;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay report rendered by headless Chromium: its script counts the chart's laid-out stretches,
 * so a page that does not render (or a chart with nothing in it) fails. Chromium is required: ./test installs it.
 */
class HtmlReportInChromiumTest {

    @TempDir
    Path dir;

    @Test
    void theOwnershipChartRendersInABrowser() throws Exception {
        JournalHistory history = history();
        OwnershipChart chart = new OwnershipChart();
        Replay.fold(history, Long.MAX_VALUE, List.of(chart));
        Path page = dir.resolve("report.html");
        String html = HtmlReport.render(history, chart, 0);
        Files.writeString(page, html, StandardCharsets.UTF_8);
        assertTrue(
                !html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""), "nothing fetched");

        String dom = dumpDom(page);
        Matcher rendered = Pattern.compile("data-rendered-stretches=\"(\\d+)\"").matcher(dom);
        assertTrue(rendered.find(), dom);
        long stretches =
                chart.stretches().values().stream().mapToLong(List::size).sum();
        assertEquals(stretches, Long.parseLong(rendered.group(1)), "every stretch of the chart was laid out");
        assertTrue(stretches >= 3, "the history changed ownership: " + stretches);
        assertTrue(dom.contains("id=\"ownership-timeline\""));
    }

    /** Boot, then a group's device moves to vfio-pci and its group is opened: ownership changes to record. */
    private static JournalHistory history() {
        Topology topology = SimTopology.generate(1, 3);
        DeviceId nic = new DeviceId("0000:00:01.0");
        List<Command<?>> commands = List.of(
                new Command.DriverUnbind(nic),
                new Command.DriverBind(nic, "vfio-pci"),
                new Command.GroupOpen(new dev.custody.model.GroupId(1), "g1"));
        Decision boot = Kernel.boot(topology);
        List<RecordedDecision> decisions = new ArrayList<>();
        decisions.add(new RecordedDecision(1, "boot", boot.events(), Instant.EPOCH));
        var state = boot.state();
        for (Command<?> command : commands) {
            Decision decision = Operations.decide(state, command);
            decisions.add(new RecordedDecision(
                    decisions.size() + 1,
                    "op-" + decisions.size(),
                    decision.events(),
                    Instant.EPOCH.plusSeconds(decisions.size())));
            state = decision.state();
        }
        return new JournalHistory("test", topology, Instant.EPOCH, decisions, Set.of(1L, 2L, 3L, 4L));
    }

    private static String dumpDom(Path page) throws IOException, InterruptedException {
        String browser = List.of("chromium", "chromium-browser", "google-chrome").stream()
                .filter(HtmlReportInChromiumTest::onPath)
                .findFirst()
                .orElseGet(() -> fail("chromium is not installed: this test renders the report in headless Chromium"
                        + " (Debian's chromium; ./test installs it when run as root)"));
        Process process = new ProcessBuilder(
                        browser,
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-background-networking",
                        "--dump-dom",
                        page.toUri().toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                // to a file, so the wait below is what bounds the run (reading a pipe to its end would not)
                .redirectOutput(page.resolveSibling(page.getFileName() + ".dom").toFile())
                .start();
        boolean finished = process.waitFor(2, TimeUnit.MINUTES);
        if (!finished) {
            process.destroyForcibly();
        }
        assertTrue(finished, "chromium did not finish within 2 minutes");
        String dom = Files.readString(page.resolveSibling(page.getFileName() + ".dom"));
        return dom;
    }

    private static boolean onPath(String command) {
        return java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }
}

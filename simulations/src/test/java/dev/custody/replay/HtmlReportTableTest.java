package dev.custody.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.api.ModelEngine;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Topology;
import dev.custody.rules.Decision;
import dev.custody.sim.SimTopology;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The report's change table never stops silently: a cut table says how much is missing and where it is. */
class HtmlReportTableTest {

    @Test
    void aCutTableSaysWhatWasCutAndWhereEveryChangeIs() {
        OwnershipChart chart = chartOfAFewChanges();
        long changes = chart.changes().values().stream().mapToLong(List::size).sum();
        assertTrue(changes > 2, "the history changed ownership more than twice: " + changes);

        String cut = HtmlReport.render(history, chart, 0, "r.csv", 2);
        assertEquals(2, count(cut, "<tr><td>"), "two rows shown");
        assertTrue(cut.contains("id=\"table-cut\""), cut);
        assertTrue(cut.contains("the first 2 of " + changes + " ownership changes"), cut);
        assertTrue(cut.contains("href=\"r.csv\""), cut);

        String whole = HtmlReport.render(history, chart, 0, "r.csv", 5000);
        assertFalse(whole.contains("id=\"table-cut\""));
        assertTrue(whole.contains("All " + changes + " ownership changes."), whole);
        assertEquals(changes + 1, HtmlReport.changesCsv(chart).lines().count(), "a CSV row per change");
    }

    private JournalHistory history;

    private OwnershipChart chartOfAFewChanges() {
        Topology topology = SimTopology.generate(1, 3);
        ModelEngine engine = new ModelEngine(Set.of());
        List<RecordedDecision> decisions = new ArrayList<>();
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        Decision boot = engine.boot(topology);
        decisions.add(new RecordedDecision(1, "boot", boot.events(), t));
        DeviceId nic = new DeviceId("0000:00:01.0");
        List<Command<?>> commands = List.of(
                new Command.DriverUnbind(nic),
                new Command.DriverBind(nic, "vfio-pci"),
                new Command.GroupOpen(new GroupId(1), "g1"));
        for (Command<?> command : commands) {
            Decision d = engine.decide(command, "op-" + decisions.size());
            decisions.add(new RecordedDecision(decisions.size() + 1, "op-" + decisions.size(), d.events(), t));
        }
        history = new JournalHistory("test", topology, t, decisions, Set.of());
        OwnershipChart chart = new OwnershipChart();
        Replay.fold(history, Long.MAX_VALUE, List.of(chart));
        return chart;
    }

    private static int count(String text, String part) {
        return (text.length() - text.replace(part, "").length()) / part.length();
    }
}

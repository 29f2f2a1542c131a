package dev.custody.bench.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** Formatting only, on made-up figures: no timing is measured or asserted. */
class JournalReportTest {

    private static JournalReport report() {
        Histogram latency = new Histogram(60_000_000_000L, 3);
        latency.recordValue(2_000_000); // 2 ms
        Throughput model = new Throughput(100_000, 90_000, 200_000, 1.0, null);
        Throughput h2 = new Throughput(2_000, 1_800, 4_000, 2.0, latency);
        JournalResult memory = new JournalResult("memory", h2, Double.NaN, Double.NaN, null);
        JournalResult onH2 = new JournalResult("h2", h2, 1.5, 2.5, new Recovery(10_000, 12_000, 0.5, 0.05));
        return new JournalReport(
                JournalBenchSettings.of(true, 8),
                16,
                model,
                List.of(memory, onH2),
                new KryoCost(10, 14.5, 900, 5, 45.5, 1100));
    }

    @Test
    void tableHasEveryJournalTheRatioAndTheRecovery() {
        String text = report().toText();
        assertTrue(text.contains("8 callers"), text);
        assertTrue(
                text.matches(
                        "(?s).*\\nh2\\s+1000\\s+900\\s+2000\\s+100\\.0\\s+2\\.00\\s+2\\.00\\s+4\\.00\\s+3600\\n.*"),
                text);
        assertTrue(text.matches("(?s).*\\nh2\\s+10000\\s+0\\.500\\s+20000\\s+12000\\s+24000\\s+0\\.050\\n.*"), text);
        assertTrue(text.matches("(?s).*\\nmemory .* - +- *\\n.*"), "rows are not counted in memory: " + text);
        assertTrue(text.contains("14.5 bytes"), text);
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonHasNullForWhatWasNotMeasured() {
        Map<String, Object> json = report().toJson();
        List<Map<String, Object>> journals = (List<Map<String, Object>>) json.get("journals");
        assertNull(journals.get(0).get("rows_per_second"));
        assertNull(journals.get(0).get("recovery"));
        Map<String, Object> recovery = (Map<String, Object>) journals.get(1).get("recovery");
        assertEquals(20_000.0, recovery.get("records_per_second"));
        assertNull(((Map<String, Object>) json.get("model")).get("latency_p50_ms"));
        assertEquals(100.0, journals.get(1).get("model_calls_per_journal_call"));
        assertEquals(8, ((Map<String, Object>) json.get("settings")).get("callers"));
    }
}

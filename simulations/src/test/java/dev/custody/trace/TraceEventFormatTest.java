package dev.custody.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The writer's output passes the format check, and the check itself refuses what viewers would misread. */
class TraceEventFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theWritersOutputIsAValidTrace() throws Exception {
        var bytes = new ByteArrayOutputStream();
        try (TraceEventWriter out = new TraceEventWriter(bytes)) {
            out.processName(1, "p", 0);
            out.threadName(1, 1, "t", 0);
            out.begin(1, 1, "outer", "c", 1, Map.of("k", 1));
            out.begin(1, 1, "inner", "c", 2, Map.of());
            out.instant(1, 1, "now", "c", 2.5, 'g', Map.of("errno", "EBUSY"));
            out.end(1, 1, 3);
            out.end(1, 1, 2); // earlier than the track's last: written at it, and counted
            out.finish(Map.of("clock", "test"));
        }
        JsonNode root = JSON.readTree(bytes.toByteArray());
        var contents = TraceEventFormat.check(root);
        assertEquals(2, contents.phaseCounts().get("B"));
        assertEquals(2, contents.phaseCounts().get("E"));
        assertEquals(1, contents.phaseCounts().get("i"));
        assertEquals(1, root.get("otherData").get("clampedTimestamps").asInt());
        assertEquals("test", root.get("otherData").get("clock").asText());
    }

    @Test
    void anEndWithoutABeginIsRefused() {
        assertRefused("""
                {"traceEvents":[{"ph":"M","name":"process_name","pid":1,"tid":0,"args":{"name":"p"}},
                {"ph":"M","name":"thread_name","pid":1,"tid":1,"args":{"name":"t"}},
                {"ph":"E","ts":1,"pid":1,"tid":1}]}""", "E with no open B");
    }

    @Test
    void aSpanLeftOpenIsRefused() {
        assertRefused("""
                {"traceEvents":[{"ph":"M","name":"process_name","pid":1,"tid":0,"args":{"name":"p"}},
                {"ph":"M","name":"thread_name","pid":1,"tid":1,"args":{"name":"t"}},
                {"ph":"B","name":"x","ts":1,"pid":1,"tid":1}]}""", "open spans");
    }

    @Test
    void timeGoingBackOnATrackIsRefused() {
        assertRefused("""
                {"traceEvents":[{"ph":"M","name":"process_name","pid":1,"tid":0,"args":{"name":"p"}},
                {"ph":"M","name":"thread_name","pid":1,"tid":1,"args":{"name":"t"}},
                {"ph":"i","name":"a","s":"t","ts":5,"pid":1,"tid":1},
                {"ph":"i","name":"b","s":"t","ts":4,"pid":1,"tid":1}]}""", "goes back");
    }

    @Test
    void anUnnamedTrackIsRefused() {
        assertRefused("""
                {"traceEvents":[{"ph":"M","name":"process_name","pid":1,"tid":0,"args":{"name":"p"}},
                {"ph":"i","name":"a","s":"t","ts":5,"pid":1,"tid":7}]}""", "no thread_name");
    }

    @Test
    void anInstantWithABadScopeIsRefused() {
        assertRefused("""
                {"traceEvents":[{"ph":"M","name":"process_name","pid":1,"tid":0,"args":{"name":"p"}},
                {"ph":"M","name":"thread_name","pid":1,"tid":1,"args":{"name":"t"}},
                {"ph":"i","name":"a","s":"x","ts":5,"pid":1,"tid":1}]}""", "scope");
    }

    private static void assertRefused(String trace, String because) {
        AssertionError refused = assertThrows(AssertionError.class, () -> TraceEventFormat.check(JSON.readTree(trace)));
        assertTrue(refused.getMessage().contains(because), refused.getMessage());
    }
}

package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.NotSerializableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Damaged bytes never cause anything but the serializer's own NotSerializableException, naming the
 * manifest: not an Error, not another exception, not a hang. Seeded and exhaustive where it can be:
 * every golden file of every format and every sample in the current format, truncated at every offset;
 * every single-byte change of every record of up to 64 bytes; and random splices of two records. A
 * damaged record that still parses is allowed (a changed digit is a different valid record); what is
 * checked is that nothing else ever comes out, and the slowest single read is printed.
 */
class DamagedRowsTest {
    private static final int SMALL = 64;
    private static final int SPLICES = 20_000;
    /** Each of the three takes a few seconds; a read that hangs, or one that allocates without bound, does not. */
    private static final Duration BOUND = Duration.ofMinutes(2);

    private final KryoJournalSerializer serializer = new KryoJournalSerializer();

    record Row(String name, String manifest, byte[] bytes) {}

    @Test
    void truncationsAtEveryOffsetAreRefused() {
        assertTimeoutPreemptively(BOUND, this::truncations);
    }

    private void truncations() {
        Outcomes outcomes = new Outcomes();
        for (Row row : rows()) {
            for (int length = 0; length < row.bytes().length; length++) {
                byte[] truncated = Arrays.copyOf(row.bytes(), length);
                outcomes.read(row.name() + " cut to " + length, row.manifest(), truncated);
            }
        }
        outcomes.assertOnlyRefusals();
        assertEquals(0, outcomes.accepted, "a record cut short never parses: every record ends with what it announced");
    }

    @Test
    void everySingleByteChangeOfSmallRecordsIsRefusedOrParses() {
        assertTimeoutPreemptively(BOUND, this::singleByteChanges);
    }

    private void singleByteChanges() {
        Outcomes outcomes = new Outcomes();
        for (Row row : rows()) {
            if (row.bytes().length > SMALL) {
                continue;
            }
            for (int at = 0; at < row.bytes().length; at++) {
                for (int value = 0; value < 256; value++) {
                    if ((byte) value == row.bytes()[at]) {
                        continue;
                    }
                    byte[] changed = row.bytes().clone();
                    changed[at] = (byte) value;
                    outcomes.read(row.name() + " byte " + at + " = " + value, row.manifest(), changed);
                }
            }
        }
        outcomes.assertOnlyRefusals();
        assertTrue(outcomes.refused > outcomes.accepted, outcomes.toString());
    }

    @Test
    void randomSplicesOfTwoRecordsAreRefusedOrParse() {
        assertTimeoutPreemptively(BOUND, this::splices);
    }

    private void splices() {
        Random random = new Random(19);
        List<Row> rows = rows();
        Outcomes outcomes = new Outcomes();
        for (int n = 0; n < SPLICES; n++) {
            Row head = rows.get(random.nextInt(rows.size()));
            Row tail = rows.get(random.nextInt(rows.size()));
            int cut = random.nextInt(head.bytes().length + 1);
            int from = random.nextInt(tail.bytes().length + 1);
            byte[] spliced = new byte[cut + tail.bytes().length - from];
            System.arraycopy(head.bytes(), 0, spliced, 0, cut);
            System.arraycopy(tail.bytes(), from, spliced, cut, tail.bytes().length - from);
            outcomes.read(
                    head.name() + "[0.." + cut + ") + " + tail.name() + "[" + from + "..)", head.manifest(), spliced);
        }
        outcomes.assertOnlyRefusals();
    }

    /** Every golden file of every format, and every sample as this build writes it. */
    private List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (GoldenFiles.Entry entry : GoldenFiles.all()) {
            rows.add(new Row(entry.path(), entry.manifest(), GoldenFiles.bytes(entry)));
        }
        for (Map.Entry<Class<?>, Object> sample : GoldenSamples.all().entrySet()) {
            rows.add(new Row(
                    sample.getKey().getSimpleName(),
                    serializer.manifest(sample.getValue()),
                    serializer.toBinary(sample.getValue())));
        }
        return rows;
    }

    /** What the reads gave: refusals, records that parsed, and anything else (which fails the test). */
    private final class Outcomes {
        int refused;
        int accepted;
        final List<String> escaped = new ArrayList<>();
        long slowestNanos;
        String slowest = "";

        void read(String what, String manifest, byte[] bytes) {
            long start = System.nanoTime();
            try {
                serializer.readValue(bytes, manifest);
                accepted++;
            } catch (NotSerializableException expected) {
                if (!expected.getMessage().contains("[" + manifest + "]")) {
                    escaped.add(what + ": the refusal does not name the manifest: " + expected.getMessage());
                }
                refused++;
            } catch (Throwable other) { // an Error or another exception: exactly what must never happen
                escaped.add(what + ": " + other);
            }
            long nanos = System.nanoTime() - start;
            if (nanos > slowestNanos) {
                slowestNanos = nanos;
                slowest = what;
            }
        }

        void assertOnlyRefusals() {
            System.out.println(this);
            assertEquals(List.of(), escaped.subList(0, Math.min(10, escaped.size())), escaped.size() + " escaped");
        }

        @Override
        public String toString() {
            return refused + " refused, " + accepted + " parsed; slowest read " + slowestNanos / 1_000_000 + " ms ("
                    + slowest + ")";
        }
    }
}

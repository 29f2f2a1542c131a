package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.entity.JournalFormat;
import dev.custody.model.event.KernelEvent;
import dev.custody.persistence.kryo.Registrations;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Old journals stay readable: every committed golden file, of every journal format, still reads back as
 * the object it was written from. If this fails after a change to a journaled class, the change breaks
 * existing journals: give the class's field table the lines the change needs (a new field is defaulted,
 * a field that goes is retired) instead of editing a golden file.
 */
class GoldenFileTest {
    private final KryoJournalSerializer serializer = new KryoJournalSerializer();

    @Test
    void everyGoldenFileOfEveryFormatReadsBackAsItsSample() throws Exception {
        for (int format = 0; format <= JournalFormat.CURRENT; format++) {
            List<GoldenFiles.Entry> manifest = GoldenFiles.manifest(format);
            assertTrue(manifest.size() >= 40, "format " + format + ": " + manifest.size() + " golden files");
        }
        for (GoldenFiles.Entry entry : GoldenFiles.all()) {
            Class<?> type = Class.forName(entry.className());
            assertEquals(entry.id(), Registrations.idOf(type).orElseThrow(), entry.className() + " changed its id");
            Object read = serializer.readValue(GoldenFiles.bytes(entry), entry.manifest());
            assertEquals(GoldenSamples.all().get(type), read, entry.path());
        }
    }

    @Test
    void aFileOfTheCurrentFormatIsWhatThisBuildWrites() throws Exception {
        for (GoldenFiles.Entry entry : GoldenFiles.manifest(JournalFormat.CURRENT)) {
            Object sample = GoldenSamples.all().get(Class.forName(entry.className()));
            assertEquals(entry.manifest(), serializer.manifest(sample));
            assertArrayEquals(GoldenFiles.bytes(entry), serializer.toBinary(sample), entry.path());
        }
    }

    @Test
    void everyEventAndRecordClassHasARegistrationAndAGoldenFileOfTheCurrentFormat() {
        Set<String> golden = GoldenFiles.manifest(JournalFormat.CURRENT).stream()
                .map(GoldenFiles.Entry::className)
                .collect(Collectors.toSet());
        List<Class<?>> required = new ArrayList<>(eventRecords(KernelEvent.class));
        required.addAll(JournalRecordClasses.all());
        Set<String> problems = new TreeSet<>();
        for (Class<?> type : required) {
            if (Registrations.idOf(type).isEmpty()) {
                problems.add(type.getName() + ": no registration id");
            }
            if (!golden.contains(type.getName())) {
                problems.add(type.getName() + ": no golden file (run GoldenFileWriter, see GoldenFiles.writeMissing)");
            }
        }
        assertEquals(Set.of(), problems);
    }

    /** Every record under a sealed event type, through its sealed sub-interfaces. */
    private static List<Class<?>> eventRecords(Class<?> sealed) {
        List<Class<?>> records = new ArrayList<>();
        for (Class<?> permitted : sealed.getPermittedSubclasses()) {
            if (permitted.isSealed()) {
                records.addAll(eventRecords(permitted));
            } else {
                records.add(permitted);
            }
        }
        return records;
    }

    @Test
    void registrationIdsStayBelowTheNextFreeId() {
        Registrations.byId()
                .keySet()
                .forEach(id -> assertTrue(
                        id >= 10 && id < Registrations.NEXT_FREE_ID,
                        "id " + id + " is outside 10.." + (Registrations.NEXT_FREE_ID - 1) + "; raise NEXT_FREE_ID"));
    }
}

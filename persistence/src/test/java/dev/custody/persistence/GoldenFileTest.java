package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.event.KernelEvent;
import dev.custody.persistence.kryo.Registrations;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Old journals stay readable: every committed golden file still reads back as the object it was
 * written from. If this fails after a change to a journaled class, the change breaks existing
 * journals; keep the old format readable (a new class with a new id) instead of editing the file.
 */
class GoldenFileTest {
    private final KryoJournalSerializer serializer = new KryoJournalSerializer();

    @Test
    void everyGoldenFileReadsBackAsItsSample() throws Exception {
        List<GoldenFiles.Entry> manifest = GoldenFiles.manifest();
        assertTrue(
                manifest.size() >= GoldenSamples.all().size(), "golden manifest has " + manifest.size() + " entries");
        for (GoldenFiles.Entry entry : manifest) {
            Class<?> type = Class.forName(entry.className());
            assertEquals(entry.id(), Registrations.idOf(type).orElseThrow(), entry.className() + " changed its id");
            Object read = serializer.fromBinary(GoldenFiles.bytes(entry), Integer.toString(entry.id()));
            assertEquals(GoldenSamples.all().get(type), read, entry.file());
        }
    }

    @Test
    void everyEventAndRecordClassHasARegistrationAndAGoldenFile() {
        Set<String> golden = GoldenFiles.manifest().stream()
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

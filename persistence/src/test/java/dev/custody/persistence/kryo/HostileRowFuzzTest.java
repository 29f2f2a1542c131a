package dev.custody.persistence.kryo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.entity.CoordinatorState;
import dev.custody.entity.EntityState;
import dev.custody.entity.JournalFormat;
import dev.custody.entity.KernelJournal;
import dev.custody.entity.Stamped;
import dev.custody.persistence.KryoJournalSerializer;
import java.io.NotSerializableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rows built field by field with hostile choices ({@link HostileRowGenerator}), in both formats, for
 * every kind of journal row: each is refused with the serializer's own NotSerializableException or
 * parses; nothing else comes out, and the whole run stays within a bound no hang or unbounded
 * allocation would keep. Seeded, so a failure names the seed and row that reproduce it.
 */
class HostileRowFuzzTest {
    private static final int ROWS_PER_KIND = 2_000;
    private static final List<Class<?>> KINDS = List.of(
            Stamped.class,
            KernelJournal.DecisionTaken.class,
            KernelJournal.Started.class,
            KernelJournal.Header.class,
            KernelJournal.DecisionApplied.class,
            CoordinatorState.class,
            EntityState.class);

    private final KryoJournalSerializer serializer = new KryoJournalSerializer();

    @Test
    void hostileRowsAreRefusedAndNothingElseComesOut() {
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            List<String> escaped = new ArrayList<>();
            int refused = 0;
            int parsed = 0;
            for (int format = 0; format <= JournalFormat.CURRENT; format++) {
                for (Class<?> kind : KINDS) {
                    int id = Registrations.idOf(kind).orElseThrow();
                    if (format == 0 && id >= Registrations.FIRST_VERSIONED_ID) {
                        continue;
                    }
                    String manifest = format == 0 ? Integer.toString(id) : id + "@v" + format;
                    long seed = 31L * id + format;
                    HostileRowGenerator rows = new HostileRowGenerator(seed, 0.05, format);
                    for (int n = 0; n < ROWS_PER_KIND; n++) {
                        byte[] row = rows.row(kind);
                        try {
                            serializer.fromBinary(row, manifest);
                            parsed++;
                        } catch (NotSerializableException expected) {
                            refused++;
                        } catch (Throwable other) {
                            escaped.add("seed " + seed + " row " + n + " of " + kind.getSimpleName() + " (manifest "
                                    + manifest + "): " + other);
                        }
                    }
                }
            }
            System.out.println(refused + " hostile rows refused, " + parsed + " parsed");
            assertEquals(List.of(), escaped.subList(0, Math.min(10, escaped.size())), escaped.size() + " escaped");
            assertTrue(refused > parsed, refused + " refused, " + parsed + " parsed");
        });
    }
}

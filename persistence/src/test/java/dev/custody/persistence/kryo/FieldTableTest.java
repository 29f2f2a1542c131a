package dev.custody.persistence.kryo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The field table lists every field of every journaled record, exactly as the record declares it (a
 * Kryo is built from it, which refuses any difference), and says everything it must: nothing is listed
 * twice, and every class registered before versioning holds its format-0 fields as unversioned.
 */
class FieldTableTest {
    static final String HEADER = """
            # The journal's field table: the stable tag of every field of every journaled record (FieldTable).
            # Lines are only ever added (FieldTableWriter adds them); a rename changes the name, never the tag;
            # a field that goes is marked retired, never deleted; a field never changes its type.
            # presence: unversioned = in the positional records of format 0 (in tag order) and in every later
            # one; required = in every record of a class registered since; defaulted = added later, absent
            # in older records, read as its default. state: live, or retired.
            # class id	tag	field	declared type	presence	state
            """;

    @Test
    void everyRecordClassIsListedAndMatchesItsComponents() {
        FieldTable table = FieldTable.standard();
        Set<String> unlisted = new TreeSet<>();
        Registrations.byId().forEach((id, type) -> {
            if (type.isRecord() && !table.lists(id, type)) {
                unlisted.add(id + " " + type.getName());
            }
        });
        assertEquals(Set.of(), unlisted, "run FieldTableWriter (see its comment) and commit the lines it adds");
        JournalCodec.standard(); // builds every serializer: a table that does not match its class fails here
    }

    @Test
    void classesFromBeforeVersioningHaveTheirFormatZeroFieldsUnversioned() {
        FieldTable table = FieldTable.standard();
        Registrations.byId().forEach((id, type) -> {
            if (!type.isRecord()) {
                return;
            }
            for (FieldTable.Line line : table.linesOf(id, type)) {
                boolean before = id < Registrations.FIRST_VERSIONED_ID;
                assertTrue(
                        before || line.presence() != FieldTable.Presence.UNVERSIONED,
                        line.text() + ": a class registered since versioning has no format-0 fields");
                assertTrue(
                        !before || line.presence() != FieldTable.Presence.REQUIRED,
                        line.text() + ": a field added since versioning is defaulted (older records lack it)");
            }
        });
    }

    @Test
    void theTableReadsBackAsItIsWritten() {
        FieldTable table = FieldTable.standard();
        assertEquals(table.text(), FieldTable.parse(table.text(), "text").text());
        assertEquals(table.text(), table.completedFor(Registrations.byId()).text(), "the table is complete");
    }
}

package dev.custody.persistence.kryo;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a check: completes the journal's field table when {@code -Dcustody.fields.write=FILE} is given (the
 * absolute path of {@value FieldTable#RESOURCE} in the sources): lines for classes it does not list, for
 * components new to a class (defaulted, the next tag) and marks for components gone (retired). Every
 * other line stays as it is. From the repository root:
 * {@code ./test -pl persistence -am -Dtest=FieldTableWriter -Dsurefire.failIfNoSpecifiedTests=false
 * -Dcustody.fields.write=$PWD/persistence/src/main/resources/dev/custody/persistence/kryo/journal-fields.tsv}
 */
class FieldTableWriter {
    @Test
    @EnabledIfSystemProperty(named = "custody.fields.write", matches = ".+")
    void completeTheFieldTable() throws Exception {
        Path file = Path.of(System.getProperty("custody.fields.write"));
        FieldTable table = Files.exists(file)
                ? FieldTable.parse(Files.readString(file), file.toString())
                : FieldTable.parse(FieldTableTest.HEADER, "header");
        Files.writeString(file, table.completedFor(Registrations.byId()).text());
    }
}

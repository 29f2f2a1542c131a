package dev.custody.persistence;

import static dev.custody.persistence.CraftedRows.bytes;
import static dev.custody.persistence.CraftedRows.classId;
import static dev.custody.persistence.CraftedRows.delimitedField;
import static dev.custody.persistence.CraftedRows.string;
import static dev.custody.persistence.CraftedRows.varLong;
import static dev.custody.persistence.CraftedRows.varintField;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.esotericsoftware.kryo.io.Output;
import dev.custody.entity.EntityState;
import dev.custody.entity.Stamped;
import dev.custody.model.DomainId;
import dev.custody.model.FileId;
import dev.custody.model.ObjectId;
import dev.custody.model.event.DomainEvent;
import dev.custody.model.mapping.DmaMapping;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Mapping;
import dev.custody.model.mapping.Prot;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.mapping.Type1Version;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.model.state.Sorted;
import dev.custody.persistence.kryo.Registrations;
import java.io.NotSerializableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The crafted rows of the audit (issue 19, finding 2), built byte by byte: each is refused with the
 * serializer's own NotSerializableException, naming what is wrong, and nothing else escapes: no
 * StackOverflowError, no OutOfMemoryError, no value of the wrong type, no rebuild that takes seconds.
 * The time bounds are a hundred times what the reads take, so only a lost bound (a quadratic rebuild,
 * an allocation the size of a crafted count) can break them.
 */
class HostileRowsTest {
    private final KryoJournalSerializer serializer = new KryoJournalSerializer();

    /** Format 0: DecisionTaken(1, "x", [DecisionTaken(1, "x", [...])]), over 25 KB deep. */
    @Test
    void aSelfNestedDecisionIsRefusedNotAStackOverflow() {
        byte[] positional = bytes(o -> {
            for (int level = 0; level < 6_500; level++) {
                varLong(o, 1);
                string(o, "x");
                o.writeVarInt(1, true); // one event...
                classId(o, 11); // ...which is a DecisionTaken
            }
            varLong(o, 1);
            string(o, "x");
            o.writeVarInt(0, true);
        });
        assertTrue(positional.length > 25_000, positional.length + " bytes");
        assertRefused(
                positional,
                "11",
                "KernelJournal$DecisionTaken (id 11) where a dev.custody.model.event.KernelEvent belongs");

        byte[] tagged = new byte[0];
        byte[] inner = decisionV1(new byte[] {0}); // no events
        for (int level = 0; level < 3_000; level++) {
            byte[] nested = inner;
            inner = decisionV1(bytes(o -> {
                o.writeVarInt(1, true);
                classId(o, 11);
                o.writeBytes(nested);
            }));
            tagged = inner;
        }
        assertTrue(tagged.length > 25_000, tagged.length + " bytes");
        assertRefused(
                tagged,
                "11@v1",
                "KernelJournal$DecisionTaken (id 11) where a dev.custody.model.event.KernelEvent belongs");
    }

    /** Format 1: DecisionTaken(seq 1, "x", events) with the events list's bytes given. */
    private static byte[] decisionV1(byte[] events) {
        return bytes(o -> {
            o.writeVarInt(3, true);
            varintField(o, 1, 1);
            delimitedField(o, 2, bytes(s -> string(s, "x")));
            delimitedField(o, 3, events);
        });
    }

    /**
     * The 14-byte domain-mappings row: a 4 KiB-only table with one "leaf" of 2^40 bytes, which a rebuild
     * through iommu_map() once split into 2^28 leaves. It is not a row a journal can hold (not a journal
     * record), and as a value it is refused because 2^40 is not one of its page sizes; inside a snapshot too.
     */
    @Test
    void aDomainMappingsRowWithAHugeLeafIsRefusedBeforeAnythingIsAllocated() {
        byte[] row = bytes(o -> {
            varLong(o, 0x1000); // page sizes: 4 KiB only
            o.writeVarInt(48, true); // address width
            o.writeVarInt(1, true); // one leaf
            varLong(o, 0); // iova
            varLong(o, 0); // paddr
            varLong(o, 1L << 40); // size
            o.writeByte(3); // read | write
        });
        assertTrue(row.length <= 14, row.length + " bytes");
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertRefused(row, "115", "not a journal record");
            NotSerializableException value = refusedValue(row, "115");
            assertTrue(value.getMessage().contains("is not a page size of its table"), value.getMessage());
        });
        // the same leaf misaligned inside an entity's event: one page is aligned to its size
        byte[] stamped = bytes(o -> {
            varLong(o, 1);
            classId(o, 66); // DomainLeavesMapped
            classIdFree(o);
            o.writeVarInt(1, true);
            varLong(o, 0x1000);
            varLong(o, 0);
            varLong(o, 1L << 40);
            o.writeBoolean(true); // Prot(read, write), a record of two booleans
            o.writeBoolean(true);
        });
        assertRefused(stamped, "13", "not aligned to its size");
    }

    /**
     * A run of leaves carries its count, which the model holds as a number and a domain actor's real
     * table would expand: a count larger than the pages between its addresses and 2^64 is refused as the
     * row is read, in an entity's event and in a table, and a table's run past its address width too.
     */
    @Test
    void aRunWhoseCountOutgrowsItsAddressesIsRefusedBeforeAnythingExpandsIt() {
        for (long count : new long[] {Long.MAX_VALUE, 1L << 52}) {
            Mapping run = new Mapping(0x1000, 0, 0x1000, Prot.READ_WRITE, count);
            Stamped stamped = new Stamped(1, new DomainEvent.DomainRunsMapped(new DomainId(4), List.of(run)));
            byte[] row = serializer.toBinary(stamped);
            assertTimeoutPreemptively(
                    Duration.ofSeconds(10),
                    () -> assertRefused(row, serializer.manifest(stamped), "do not fit below 2^64"));
        }
        IommuDomainMappings pastWidth = IommuDomainMappings.empty(0x1000, 48)
                .withLeaves(List.of(new Mapping(0x1000, 0, 0x1000, Prot.READ_WRITE, 1L << 36)));
        NotSerializableException refused = refusedValue(
                serializer.toBinary(pastWidth),
                Registrations.idOf(IommuDomainMappings.class).orElseThrow() + "@v1");
        assertTrue(refused.getMessage().contains("beyond the 48-bit address width"), refused.getMessage());
    }

    /** A table of 2^28 leaves is a row of a few bytes (its runs), and reads back as the same table. */
    @Test
    void aTebibyteTableIsWrittenAsItsRuns() throws Exception {
        IommuDomainMappings table = IommuDomainMappings.empty(0x1000, 48)
                .withLeaves(List.of(
                        new Mapping(0, 1L << 40, 0x1000, Prot.READ_WRITE, 1L << 27),
                        new Mapping((1L << 39) + 0x1000, 0, 0x1000, Prot.READ, (1L << 27) - 1)));
        byte[] row = serializer.toBinary(table);
        assertTrue(row.length < 64, row.length + " bytes");
        assertEquals(
                table,
                serializer.readValue(
                        row, Registrations.idOf(IommuDomainMappings.class).orElseThrow() + "@v1"));
    }

    /** DomainId(4) as format 0 writes it: its int, zigzag. */
    private static void classIdFree(Output o) {
        o.writeVarInt(4, false);
    }

    /** Where an event belongs (Stamped.event), every other registered class, null or a class by name is refused. */
    @Test
    void onlyAnEventIsAcceptedWhereAnEventBelongs() {
        List<Integer> slots = new ArrayList<>(List.of(-2, -1, 9_999)); // null, a class by name, unregistered
        Registrations.byId().forEach((id, type) -> {
            if (!dev.custody.model.event.KernelEvent.class.isAssignableFrom(type)) {
                slots.add(id);
            }
        });
        for (int id : slots) {
            byte[] positional = bytes(o -> {
                varLong(o, 7);
                classId(o, id);
                o.writeBytes(new byte[16]);
            });
            String why = id == -2 ? "null where" : id == -1 ? "a class given by name where" : "where";
            assertRefused(positional, "13", why);
            byte[] tagged = bytes(o -> {
                o.writeVarInt(2, true);
                varintField(o, 1, 7);
                delimitedField(o, 2, bytes(e -> {
                    classId(e, id);
                    e.writeBytes(new byte[16]);
                }));
            });
            assertRefused(tagged, "13@v1", why + " a dev.custody.model.event.KernelEvent belongs");
        }
        // nor is an event, or any value, a row of its own
        byte[] event = serializer.toBinary(new dev.custody.model.event.DeviceEvent.DeviceAdded(GoldenSamples.NIC));
        assertRefused(event, "20@v1", "not a journal record");
    }

    /**
     * A container's type1 list of 16,384 entries in an entity's snapshot (the audit's 219 KB row, rebuilt
     * entry by entry through map() in 9.6 s then), and one of 262,144 entries (4 MB): both read in one
     * pass; a quadratic rebuild would take hours on the larger.
     */
    @Test
    void aLargeType1SnapshotIsRebuiltInOnePass() throws Exception {
        for (int entries : new int[] {16_384, 262_144}) {
            List<DmaMapping> list = new ArrayList<>(entries);
            for (int n = 0; n < entries; n++) {
                list.add(new DmaMapping(0x2000L * n, 0x7f00_0000_0000L + 0x1000L * n, 0x1000L, Prot.READ_WRITE));
            }
            Type1DmaSpace space = Type1DmaSpace.empty(Type1Version.V2)
                    .withEntries(list)
                    .withValidRanges(List.of(new IovaRange(0, (1L << 48) - 1)));
            EntityState snapshot = new EntityState(
                    3,
                    withFile(new OpenFile.VfioContainer(
                            new FileId(4), "ctr", true, Optional.of(space), Sorted.emptyMap())));
            byte[] row = serializer.toBinary(snapshot);
            long start = System.nanoTime();
            Object read = assertTimeoutPreemptively(
                    Duration.ofSeconds(60), () -> serializer.fromBinary(row, serializer.manifest(snapshot)));
            System.out.printf(
                    "type1 snapshot of %d entries, %d bytes: read in %.0f ms%n",
                    entries, row.length, (System.nanoTime() - start) / 1e6);
            assertEquals(snapshot, read);
        }
    }

    /** An IOAS with 65,536 reserved owners: rebuilt at once, not with one copy of the map per owner. */
    @Test
    void anIoasWithManyReservedOwnersIsRebuiltInOnePass() throws Exception {
        Map<String, List<IovaRange>> reserved = new TreeMap<>();
        for (int n = 0; n < 65_536; n++) {
            reserved.put("device " + n, List.of(new IovaRange(0xfee0_0000L, 0xfeef_ffffL)));
        }
        IoasSpace space = IoasSpace.empty().withAllReserved(reserved);
        EntityState snapshot = new EntityState(
                3,
                withFile(new OpenFile.IommufdFile(
                        new FileId(5),
                        "iommufd",
                        true,
                        Sorted.map(Map.of(new ObjectId(1), new IommufdObject.Ioas(new ObjectId(1), "ioas", space))),
                        2,
                        Optional.empty())));
        byte[] row = serializer.toBinary(snapshot);
        long start = System.nanoTime();
        Object read = assertTimeoutPreemptively(
                Duration.ofSeconds(60), () -> serializer.fromBinary(row, serializer.manifest(snapshot)));
        System.out.printf(
                "IOAS of 65,536 reserved owners, %d bytes: read in %.0f ms%n",
                row.length, (System.nanoTime() - start) / 1e6);
        assertEquals(snapshot, read);
    }

    /** Counts and lengths past the bytes left are refused before anything is allocated for them. */
    @Test
    void hugeCountsAndLengthsAreRefusedBeforeAllocating() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            // DecisionTaken with 2^31 - 1 events announced in 20 bytes
            assertRefused(
                    bytes(o -> {
                        varLong(o, 1);
                        string(o, "x");
                        o.writeVarInt(Integer.MAX_VALUE, true);
                        o.writeBytes(new byte[16]);
                    }),
                    "11",
                    "count 2147483647 with only");
            // an operation id of 2^31 - 2 bytes
            assertRefused(
                    bytes(o -> {
                        varLong(o, 1);
                        o.writeVarInt(Integer.MAX_VALUE, true);
                        o.writeBytes(new byte[16]);
                    }),
                    "11",
                    "2147483646 bytes announced");
            // a field whose length runs past the row, and a record announcing 2^31 - 1 fields
            assertRefused(
                    bytes(o -> {
                        o.writeVarInt(3, true);
                        varintField(o, 1, 1);
                        o.writeVarInt(2 << 1 | 1, true);
                        o.writeVarInt(Integer.MAX_VALUE, true);
                    }),
                    "11@v1",
                    "2147483647 bytes announced");
            assertRefused(bytes(o -> o.writeVarInt(Integer.MAX_VALUE, true)), "11@v1", "field count: count 2147483647");
        });
    }

    /** A version of the format, or a layout, newer than this build's is refused, naming it. */
    @Test
    void aRowOfANewerFormatIsRefusedNamingIt() {
        byte[] row = serializer.toBinary(new dev.custody.entity.KernelJournal.DecisionApplied(3));
        NotSerializableException newer = assertRefused(row, "12@v2", "written in journal format 2");
        assertTrue(newer.getMessage().contains("reads formats 0 to 1"), newer.getMessage());
        for (String malformed : List.of("12@", "@v1", "12@1", "12@v", "12@v0", "-12", "12 ", "x12", "")) {
            assertRefused(row, malformed, "a manifest is a registration id");
        }
    }

    private static KernelState withFile(OpenFile file) {
        KernelState base = GoldenSamples.kernel();
        return new KernelState(
                base.topology(),
                base.devices(),
                base.groups(),
                base.domains(),
                Sorted.map(Map.of(file.id(), file)),
                base.nextDomain(),
                base.nextFile());
    }

    private NotSerializableException assertRefused(byte[] row, String manifest, String why) {
        try {
            Object read = serializer.fromBinary(row, manifest);
            return fail("manifest " + manifest + " read as " + read);
        } catch (NotSerializableException refused) {
            assertTrue(
                    refused.getMessage().contains("[" + manifest + "]")
                            && refused.getMessage().contains(why),
                    refused.getMessage());
            return refused;
        }
    }

    private NotSerializableException refusedValue(byte[] row, String manifest) {
        try {
            Object read = serializer.readValue(row, manifest);
            return fail("manifest " + manifest + " read as " + read);
        } catch (NotSerializableException refused) {
            return refused;
        }
    }
}

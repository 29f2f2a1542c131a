package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.entity.JournalFormat;
import dev.custody.entity.KernelJournal;
import dev.custody.entity.Stamped;
import dev.custody.model.event.DeviceEvent;
import dev.custody.persistence.kryo.Registrations;
import java.io.NotSerializableException;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KryoJournalSerializerTest {
    private final KryoJournalSerializer serializer = new KryoJournalSerializer();

    @Test
    void everySampleRoundTripsToAnEqualObjectAndTheSameBytes() throws Exception {
        for (Map.Entry<Class<?>, Object> sample : GoldenSamples.all().entrySet()) {
            byte[] bytes = serializer.toBinary(sample.getValue());
            String manifest = serializer.manifest(sample.getValue());
            assertEquals(Registrations.idOf(sample.getKey()).orElseThrow() + "@v" + JournalFormat.CURRENT, manifest);
            Object read = serializer.readValue(bytes, manifest);
            assertEquals(sample.getValue(), read, sample.getKey().getName());
            assertArrayEquals(
                    bytes,
                    serializer.toBinary(read),
                    "bytes are stable for " + sample.getKey().getName());
        }
    }

    @Test
    void aDriverWithADeclaredIdTableRoundTripsAndOneWithoutWritesWhatItAlwaysWrote() throws Exception {
        var plain = started(new dev.custody.model.DriverSpec("igb", false, false));
        var table = started(new dev.custody.model.DriverSpec(
                "igb",
                false,
                false,
                java.util.Optional.of(java.util.List.of(
                        dev.custody.model.DynamicId.entry(0x8086, dev.custody.model.DynamicId.ANY)))));
        assertEquals(table, serializer.fromBinary(serializer.toBinary(table), serializer.manifest(table)));
        assertEquals(plain, serializer.fromBinary(serializer.toBinary(plain), serializer.manifest(plain)));
        // an undeclared table is left out, so records without one are the bytes older builds read
        assertTrue(serializer.toBinary(plain).length < serializer.toBinary(table).length);
    }

    private static KernelJournal.Started started(dev.custody.model.DriverSpec driver) {
        return new KernelJournal.Started(new dev.custody.model.Topology(
                new java.util.LinkedHashMap<>(),
                dev.custody.model.Topology.catalogueWith(java.util.List.of(driver)),
                new java.util.LinkedHashMap<>()));
    }

    @Test
    void collectionsComeBackUnmodifiable() throws Exception {
        KernelJournal.DecisionTaken decision = GoldenSamples.decision();
        KernelJournal.DecisionTaken read = (KernelJournal.DecisionTaken)
                serializer.fromBinary(serializer.toBinary(decision), serializer.manifest(decision));
        assertThrows(
                UnsupportedOperationException.class,
                () -> read.events().add(read.events().getFirst()));
    }

    @Test
    void anUnknownManifestNamesItself() {
        NotSerializableException failure =
                assertThrows(NotSerializableException.class, () -> serializer.fromBinary(new byte[] {1}, "9999"));
        assertTrue(
                failure.getMessage().contains("[9999]")
                        && failure.getMessage().contains("no class has that registration id"),
                failure.getMessage());
        NotSerializableException notANumber = assertThrows(
                NotSerializableException.class, () -> serializer.fromBinary(new byte[] {1}, "dev.custody.Foo"));
        assertTrue(notANumber.getMessage().contains("[dev.custody.Foo]"), notANumber.getMessage());
    }

    @Test
    void truncatedOrPaddedBytesNameTheManifestAndClass() throws Exception {
        Stamped stamped = new Stamped(3, new DeviceEvent.DriverBound(GoldenSamples.NIC, "vfio-pci"));
        byte[] bytes = serializer.toBinary(stamped);
        String manifest = serializer.manifest(stamped);
        NotSerializableException truncated = assertThrows(
                NotSerializableException.class,
                () -> serializer.fromBinary(Arrays.copyOf(bytes, bytes.length - 3), manifest));
        assertTrue(
                truncated.getMessage().contains("[" + manifest + "]")
                        && truncated.getMessage().contains(Stamped.class.getName()),
                truncated.getMessage());
        NotSerializableException padded = assertThrows(
                NotSerializableException.class,
                () -> serializer.fromBinary(Arrays.copyOf(bytes, bytes.length + 2), manifest));
        assertTrue(padded.getMessage().contains("2 bytes left over"), padded.getMessage());
    }

    @Test
    void anUnregisteredClassIsRefusedOnWriting() {
        IllegalArgumentException failure =
                assertThrows(IllegalArgumentException.class, () -> serializer.toBinary("text"));
        assertTrue(failure.getMessage().contains("java.lang.String"), failure.getMessage());
    }
}

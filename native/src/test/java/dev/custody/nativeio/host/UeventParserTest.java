package dev.custody.nativeio.host;

import static dev.custody.nativeio.host.UeventFixtures.DEVPATH;
import static dev.custody.nativeio.host.UeventFixtures.SLOT;
import static dev.custody.nativeio.host.UeventFixtures.message;
import static dev.custody.nativeio.host.UeventFixtures.pci;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UeventParserTest {

    private static Uevent event(byte[] bytes) {
        return assertInstanceOf(UeventParse.Event.class, UeventParser.parse(bytes))
                .uevent();
    }

    private static String malformed(byte[] bytes) {
        return assertInstanceOf(UeventParse.Malformed.class, UeventParser.parse(bytes))
                .reason();
    }

    @Test
    void readsTheBindOfAPciFunction() {
        Uevent bind = event(pci("bind", "vfio-pci", 2345));
        assertEquals(UeventAction.BIND, bind.action());
        assertEquals(DEVPATH, bind.devpath());
        assertEquals("pci", bind.subsystem());
        assertEquals(Optional.of("vfio-pci"), bind.driver());
        assertEquals(Optional.of(SLOT), bind.pciSlotName());
        assertEquals(2345, bind.seqnum());
        assertTrue(bind.isPciFunction());
        assertEquals(Optional.of("8086:100E"), bind.variable("PCI_ID"));
        assertEquals("ACTION", bind.variables().firstEntry().getKey(), "variables keep the message's order");
    }

    @Test
    void readsTheUnbindWithTheDriverBeingUnbound() {
        Uevent unbind = event(pci("unbind", "e1000", 2346));
        assertEquals(UeventAction.UNBIND, unbind.action());
        assertEquals(Optional.of("e1000"), unbind.driver());
        assertEquals(Optional.of(SLOT), unbind.pciSlotName());
    }

    @Test
    void readsTheAddAndRemoveOfAPciFunctionWithoutDriver() {
        Uevent add = event(pci("add", null, 7));
        assertEquals(UeventAction.ADD, add.action());
        assertEquals(Optional.empty(), add.driver());
        Uevent remove = event(pci("remove", null, 8));
        assertEquals(UeventAction.REMOVE, remove.action());
        assertEquals(Optional.of(SLOT), remove.pciSlotName());
        assertEquals(8, remove.seqnum());
    }

    @Test
    void aDriversOwnEventIsNotAPciFunctions() {
        Uevent driver = event(message(
                "add@/bus/pci/drivers/vfio-pci",
                "ACTION=add",
                "DEVPATH=/bus/pci/drivers/vfio-pci",
                "SUBSYSTEM=drivers",
                "SEQNUM=9"));
        assertFalse(driver.isPciFunction());
        assertEquals(Optional.empty(), driver.pciSlotName());
    }

    @Test
    void udevsRebroadcastIsRecognisedAndNotParsed() {
        byte[] udev = new byte[40];
        byte[] magic = "libudev\0".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(magic, 0, udev, 0, magic.length);
        udev[8] = (byte) 0xfe;
        udev[9] = (byte) 0xed;
        udev[10] = (byte) 0xca;
        udev[11] = (byte) 0xfe;
        assertInstanceOf(UeventParse.FromUdev.class, UeventParser.parse(udev));
    }

    @Test
    void aTruncatedMessageIsReportedAsTruncated() {
        byte[] whole = pci("bind", "vfio-pci", 1);
        byte[] cut = Arrays.copyOf(whole, whole.length - 5);
        assertEquals("truncated: the last field has no terminating NUL", malformed(cut));
        assertEquals("truncated: the last field has no terminating NUL", malformed(whole.clone(), 20));
    }

    private static String malformed(byte[] bytes, int length) {
        return assertInstanceOf(UeventParse.Malformed.class, UeventParser.parse(bytes, length))
                .reason();
    }

    @Test
    void aMessageCutAtAFieldBoundaryLacksItsSequenceNumber() {
        byte[] whole = pci("add", null, 1);
        String text = new String(whole, StandardCharsets.UTF_8);
        int end = text.indexOf("PCI_CLASS");
        assertEquals("no SEQNUM", malformed(Arrays.copyOf(whole, end)));
    }

    @Test
    void garbageIsReportedNeverThrown() {
        assertEquals("empty message", malformed(new byte[0]));
        assertEquals("not UTF-8 text", malformed(new byte[] {(byte) 0xff, (byte) 0xfe, 0}));
        assertEquals("field 0 holds a control character", malformed(new byte[] {1, 2, 3, 0}));
        assertEquals("header \"hello\" is not ACTION@DEVPATH", malformed(message("hello")));
        assertEquals(
                "header names an unknown action \"explode\"",
                malformed(message("explode@/devices/x", "SUBSYSTEM=pci", "SEQNUM=1")));
        assertEquals(
                "header's devpath \"devices\" does not start with /",
                malformed(message("add@devices", "SUBSYSTEM=pci", "SEQNUM=1")));
        assertEquals(
                "field 1 \"NOEQUALS\" is not KEY=VALUE", malformed(message("add@/devices/x", "NOEQUALS", "SEQNUM=1")));
        assertEquals("field 2 is empty", malformed(message("add@/devices/x", "SUBSYSTEM=pci", "", "SEQNUM=1")));
        assertEquals(
                "field 3 repeats SUBSYSTEM",
                malformed(message("add@/devices/x", "SUBSYSTEM=pci", "SEQNUM=1", "SUBSYSTEM=usb")));
        assertEquals(
                "ACTION=\"remove\" disagrees with the header's add",
                malformed(message("add@/devices/x", "ACTION=remove", "SUBSYSTEM=pci", "SEQNUM=1")));
        assertEquals(
                "DEVPATH=\"/devices/y\" disagrees with the header's devpath",
                malformed(message("add@/devices/x", "DEVPATH=/devices/y", "SUBSYSTEM=pci", "SEQNUM=1")));
        assertEquals("no SUBSYSTEM", malformed(message("add@/devices/x", "SEQNUM=1")));
        assertEquals(
                "SEQNUM=\"12a\" is not a number", malformed(message("add@/devices/x", "SUBSYSTEM=pci", "SEQNUM=12a")));
        assertEquals(
                "SEQNUM=\"99999999999999999999\" is not a number",
                malformed(message("add@/devices/x", "SUBSYSTEM=pci", "SEQNUM=99999999999999999999")));
        assertEquals(
                "SEQNUM=\"9999999999999999999\" is out of range",
                malformed(message("add@/devices/x", "SUBSYSTEM=pci", "SEQNUM=9999999999999999999")));
        assertEquals("length 9 outside the buffer of 4 bytes", malformed(new byte[4], 9));
    }

    @Test
    void aLongBadFieldIsQuotedShort() {
        String reason = malformed(message("add@/devices/x", "x".repeat(500)));
        assertEquals("field 1 \"" + "x".repeat(40) + "...\" is not KEY=VALUE", reason);
    }

    /** Random bytes (a fixed seed, so a failure repeats) give a result for every length, never an exception. */
    @Test
    void randomBytesNeverEscapeAsAnException() {
        Random random = new Random(15);
        for (int i = 0; i < 2_000; i++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            UeventParse result = UeventParser.parse(bytes);
            assertTrue(
                    result instanceof UeventParse.Malformed || result instanceof UeventParse.Event,
                    "bytes " + Arrays.toString(bytes) + " gave " + result);
        }
    }
}

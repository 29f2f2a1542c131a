package dev.custody.nativeio.host;

import java.nio.charset.StandardCharsets;

/** Uevent messages as the kernel sends them for a PCI function (Linux 6.12, a q35 guest's e1000). */
final class UeventFixtures {

    static final String DEVPATH = "/devices/pci0000:00/0000:00:03.0";
    static final String SLOT = "0000:00:03.0";

    private UeventFixtures() {}

    /** The kernel's message: header, then each variable, every string NUL-terminated. */
    static byte[] message(String header, String... variables) {
        var text = new StringBuilder(header).append('\0');
        for (String variable : variables) text.append(variable).append('\0');
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] pci(String action, String driver, long seqnum) {
        var withDriver = driver == null ? new String[0] : new String[] {"DRIVER=" + driver};
        return message(
                action + "@" + DEVPATH,
                concat(
                        new String[] {"ACTION=" + action, "DEVPATH=" + DEVPATH, "SUBSYSTEM=pci"},
                        withDriver,
                        new String[] {
                            "PCI_CLASS=20000",
                            "PCI_ID=8086:100E",
                            "PCI_SUBSYS_ID=1AF4:1100",
                            "PCI_SLOT_NAME=" + SLOT,
                            "MODALIAS=pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00",
                            "SEQNUM=" + seqnum
                        }));
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }
}

package dev.custody.topology.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Module alias lines against modalias strings, as depmod writes them and modprobe matches them. */
class PciDriverAliasesTest {
    private static final String E1000E_NIC = "pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00";
    private static final String VIRTIO_NET = "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00";

    private static final PciDriverAliases ALIASES = PciDriverAliases.parse(List.of(
            "# Aliases extracted from modules themselves.",
            "alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e",
            "alias pci:v00008086d0000153Asv*sd*bc*sc*i* e1000e",
            "alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci",
            "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci",
            "alias usb:v0BDAp8153d*dc*dsc*dp*ic*isc*ip*in* r8152",
            "alias pci:v*d*sv*sd*bc02sc00i* generic_ethernet_by_class",
            "alias pci:v0000[89]086d000010D3sv*sd*bc*sc*i* bracketed",
            "alias pci:v00008086d000010D?sv*sd*bc*sc*i* one_char",
            "not an alias line at all")
            .stream());

    @Test
    void aDeviceMatchesEveryTableThatCoversItInFileOrder() {
        assertEquals(
                Set.of("e1000e", "generic_ethernet_by_class", "bracketed", "one_char"), ALIASES.modulesFor(E1000E_NIC));
        assertEquals(
                List.of("e1000e", "generic_ethernet_by_class", "bracketed", "one_char"),
                List.copyOf(ALIASES.modulesFor(E1000E_NIC)));
        assertEquals(Set.of("virtio_pci", "generic_ethernet_by_class"), ALIASES.modulesFor(VIRTIO_NET));
    }

    @Test
    void onlyThePciBusIsRead() {
        assertEquals(6, ALIASES.size(), "vfio_pci's own alias, the USB line and the comment are passed over");
        assertEquals(Set.of(), ALIASES.modulesFor("pci:v000010DEd00002204sv00001458sd0000403Bbc03sc00i00"));
    }

    @Test
    void globsAreAnchoredAndLiteralElsewhere() {
        assertEquals(
                true,
                PciDriverAliases.glob("pci:v0000[89]086")
                        .matcher("pci:v00009086")
                        .matches());
        assertEquals(
                false,
                PciDriverAliases.glob("pci:v0000[!89]086")
                        .matcher("pci:v00008086")
                        .matches());
        assertEquals(
                false,
                PciDriverAliases.glob("pci:v00008086")
                        .matcher("pci:v00008086d1")
                        .matches());
        assertEquals(false, PciDriverAliases.glob("a.b").matcher("axb").matches(), "a dot is a dot");
    }
}

package dev.custody.oracle.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.custody.model.DeviceId;
import dev.custody.oracle.GuestLayout;
import dev.custody.oracle.ScenarioFiles;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.ScenarioParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest realises a file as the host booted it: the VM's devices come from the host's layout,
 * the lines the guest sends from the guest's, so the two must read the same pci form.
 */
class GuestScenarioTest {
    private static final Path PCI_FORM =
            Path.of("../engine/src/test/resources/scenarios/topology-pci-multifunction-slot-without-acs.json");
    private static final DeviceId SLOT_FUNCTION_0 = new DeviceId("0000:00:03.0");

    @Test
    void theGuestsCopyOfAFileWithAPciFormIsLaidOutAsTheHostBootedIt(@TempDir Path guestRoot) throws Exception {
        Path copy = Files.copy(PCI_FORM, guestRoot.resolve("scenario-0.json"));

        GuestLayout host = GuestLayout.of(ScenarioFiles.parse(PCI_FORM));
        GuestLayout guest = GuestLayout.of(LiveScenarioRun.guestScenario(copy));

        assertEquals(host.qemuArguments(), guest.qemuArguments());
        // the form's virtio-net plays e1000e on 00:03.0: the bind the guest sends names virtio-pci
        assertEquals("virtio-pci", guest.guestDriver(SLOT_FUNCTION_0, "e1000e"));
    }

    @Test
    void underTheHostsNameTheGuestWouldMissTheFormAndLayTheMachineOutOtherwise() throws Exception {
        Scenario underHostName =
                ScenarioParser.parse("no/such/dir/" + PCI_FORM.getFileName(), Files.readString(PCI_FORM));

        GuestLayout missed = GuestLayout.of(underHostName);

        assertNotEquals(GuestLayout.of(ScenarioFiles.parse(PCI_FORM)).qemuArguments(), missed.qemuArguments());
        assertEquals("e1000e", missed.guestDriver(SLOT_FUNCTION_0, "e1000e"));
    }
}

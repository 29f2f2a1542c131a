package dev.custody.nativeio.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver-core verbs against a directory tree standing in for /sys: the writes land in the files. */
class HostAgentSysfsTest {
    private static final String NIC = "0000:00:03.0";

    @TempDir
    Path root;

    private AgentAnswer.Result result(HostAgent agent, String step, String line) {
        return assertInstanceOf(AgentAnswer.Result.class, agent.perform(step, line), line);
    }

    @Test
    void bindWritesTheAddressIntoTheDriversBindFile() {
        HostTree tree = new HostTree(root).driver("vfio-pci").device(NIC, null);
        try (HostAgent agent = new HostAgent(tree.paths())) {
            AgentAnswer.Result bound = result(agent, "1", "bind " + NIC + " vfio-pci 0");
            assertEquals("ok", bound.result());
            assertEquals(NIC + "\n", tree.read(tree.sys.resolve("bus/pci/drivers/vfio-pci/bind")));
            assertEquals("(null)\n", tree.read(tree.sys.resolve("bus/pci/devices/" + NIC + "/driver_override")));
        }
    }

    @Test
    void bindThatMayOverrideWritesTheDriverIntoAnUnsetOverrideFirst() {
        HostTree tree = new HostTree(root).driver("vfio-pci").device(NIC, null);
        try (HostAgent agent = new HostAgent(tree.paths())) {
            assertEquals("ok", result(agent, "1", "bind " + NIC + " vfio-pci 1").result());
            // a plain file keeps what was written over it; the kernel's attribute would read (null) again
            String override = tree.read(tree.sys.resolve("bus/pci/devices/" + NIC + "/driver_override"));
            assertTrue(override.startsWith("\nfio-pci\n"), "set to vfio-pci, then cleared: " + override);
        }
    }

    @Test
    void aMissingAttributeAnswersEnoentAsTheKernelDoes() {
        HostTree tree = new HostTree(root).device(NIC, null);
        try (HostAgent agent = new HostAgent(tree.paths())) {
            assertEquals(
                    "ENOENT",
                    result(agent, "1", "bind " + NIC + " no-such-driver 0").result());
            assertEquals(
                    "ENOENT",
                    result(agent, "2", "sysfs all /sys/bus/pci/devices/" + NIC + "/reset 1")
                            .result());
        }
    }

    @Test
    void unbindWritesToTheBoundDriverAndAnUnboundDeviceIsEnodev() {
        HostTree tree =
                new HostTree(root).driver("e1000e").device(NIC, "e1000e").device("0000:00:04.0", null);
        try (HostAgent agent = new HostAgent(tree.paths())) {
            assertEquals("ok", result(agent, "1", "unbind " + NIC).result());
            assertEquals(NIC + "\n", tree.read(tree.sys.resolve("bus/pci/drivers/e1000e/unbind")));
            assertEquals("ENODEV", result(agent, "2", "unbind 0000:00:04.0").result());
        }
    }

    @Test
    void probeAnswersTheDriverTheDeviceEndsWith() {
        HostTree tree = new HostTree(root).driver("e1000e").device(NIC, "e1000e");
        HostTree.write(tree.sys.resolve("bus/pci/drivers_probe"), "");
        try (HostAgent agent = new HostAgent(tree.paths())) {
            AgentAnswer.Result probed = result(agent, "1", "probe " + NIC);
            assertEquals("ok", probed.result());
            assertEquals(Map.of("driver", "e1000e"), probed.values());
            assertEquals(List.of("R 1 ok driver=e1000e"), probed.lines());
        }
    }

    @Test
    void removeAndAddAnswerForThePresenceOfTheDevice() {
        HostTree tree = new HostTree(root).device(NIC, null);
        HostTree.write(tree.sys.resolve("bus/pci/rescan"), "");
        try (HostAgent agent = new HostAgent(tree.paths())) {
            assertEquals("ok", result(agent, "1", "remove " + NIC).result());
            assertEquals("1\n", tree.read(tree.sys.resolve("bus/pci/devices/" + NIC + "/remove")));
            assertEquals("ENODEV", result(agent, "2", "remove 0000:00:09.0").result());
            assertEquals(
                    "EEXIST",
                    result(agent, "3", "add " + NIC + " /sys/bus/pci/rescan").result());
            // the rescan is written, but no device appears in a tree of files
            assertEquals(
                    "ENODEV",
                    result(agent, "4", "add 0000:00:09.0 /sys/bus/pci/rescan").result());
            assertEquals("1\n", tree.read(tree.sys.resolve("bus/pci/rescan")));
        }
    }

    @Test
    void newIdWritesVendorAndDevice() {
        HostTree tree = new HostTree(root).driver("vfio-pci");
        try (HostAgent agent = new HostAgent(tree.paths())) {
            assertEquals("ok", result(agent, "-", "new-id vfio-pci 8086 10d3").result());
            assertEquals("8086 10d3\n", tree.read(tree.sys.resolve("bus/pci/drivers/vfio-pci/new_id")));
        }
    }

    @Test
    void idWriteWritesTheWordsToNewIdOrRemoveIdAndNoOtherFile() {
        HostTree tree = new HostTree(root).driver("pci-stub");
        try (HostAgent agent = new HostAgent(tree.paths())) {
            assertEquals(
                    "ok",
                    result(agent, "1", "id-write pci-stub new_id 8086 10d3 ffffffff ffffffff 0 0 1")
                            .result());
            assertEquals(
                    "8086 10d3 ffffffff ffffffff 0 0 1\n",
                    tree.read(tree.sys.resolve("bus/pci/drivers/pci-stub/new_id")));
            assertEquals(
                    "ok", result(agent, "2", "id-write pci-stub remove_id zz").result());
            assertEquals("zz\n", tree.read(tree.sys.resolve("bus/pci/drivers/pci-stub/remove_id")));
            assertInstanceOf(AgentAnswer.Problem.class, agent.perform("3", "id-write pci-stub bind 0000:00:03.0"));
            assertEquals("", tree.read(tree.sys.resolve("bus/pci/drivers/pci-stub/bind")));
        }
    }

    @Test
    void stateNamesEachDevicesDriverOrItsAbsence() {
        HostTree tree = new HostTree(root).device(NIC, "e1000e").device("0000:00:04.0", null);
        try (HostAgent agent = new HostAgent(tree.paths())) {
            AgentAnswer.Result state = result(agent, "-", "state " + NIC + " 0000:00:04.0 0000:00:09.0");
            assertEquals(
                    "devices=" + NIC + ":e1000e,0000:00:04.0:none,0000:00:09.0:absent",
                    state.lines().getFirst().substring("R - ok ".length()));
        }
    }

    @Test
    void groupsListEachGroupWithItsDevices() throws Exception {
        HostTree tree = new HostTree(root).device(NIC, null).group("2", NIC);
        try (HostAgent agent = new HostAgent(tree.paths())) {
            AgentAnswer.Groups groups = assertInstanceOf(AgentAnswer.Groups.class, agent.perform("-", "groups"));
            assertEquals(List.of("G 2 " + NIC), groups.lines());
        }
        Files.delete(tree.sys.resolve("kernel/iommu_groups/2/devices/" + NIC));
        Files.delete(tree.sys.resolve("kernel/iommu_groups/2/devices"));
        Files.delete(tree.sys.resolve("kernel/iommu_groups/2"));
        Files.delete(tree.sys.resolve("kernel/iommu_groups"));
        try (HostAgent agent = new HostAgent(tree.paths())) {
            assertEquals(
                    List.of("E no /sys/kernel/iommu_groups: ENOENT"),
                    agent.perform("-", "groups").lines());
        }
    }
}

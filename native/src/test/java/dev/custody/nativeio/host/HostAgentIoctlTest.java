package dev.custody.nativeio.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VFIO and iommufd verbs where no VFIO or iommufd file is: the kernel's answers for a
 * descriptor that is not one (ENOTTY) and for names that stand for no open descriptor (EBADF).
 */
class HostAgentIoctlTest {
    @TempDir
    Path root;

    private static String result(HostAgent agent, String step, String line) {
        return ((AgentAnswer.Result) agent.perform(step, line)).result();
    }

    @Test
    void callsOnAFileThatIsNoVfioOrIommufdFileAreEnotty() {
        HostTree tree = new HostTree(root).plainNode("iommu").plainNode("vfio/vfio");
        try (HostAgent agent = new HostAgent(tree.paths())) {
            assertEquals("ok", result(agent, "1", "open fd1 iommufd"));
            assertEquals("ok", result(agent, "2", "open c1 container"));
            assertEquals("ENOTTY", result(agent, "3", "ioas-alloc fd1 ioas1"));
            assertEquals("ENOTTY", result(agent, "4", "set-iommu c1 3"));
            assertEquals("ENOTTY", result(agent, "5", "check-extension c1 3"));
            assertEquals("ENOTTY", result(agent, "6", "map-dma c1 0x1000 0x7f0000001000 0x1000 rw"));
            assertEquals("ENOTTY", result(agent, "7", "unmap-dma c1 0x1000 0x1000 0"));
            assertEquals("ENOTTY", result(agent, "8", "group-status c1"));
            // an object never created goes through an iommufd of the agent's own, here the same plain file
            assertEquals("ENOTTY", result(agent, "9", "ioas-map fd1 ioas1 - 0x1000 READABLE|WRITEABLE"));
            assertEquals("ENOTTY", result(agent, "10", "iova-ranges fd1 ioas1 4"));
            assertEquals("ENOTTY", result(agent, "11", "allow-iovas fd1 ioas1 0x1000-0x1fff"));
            // a raw flag word, unknown bit and all, is read as a number and goes to the ioctl as it is
            assertEquals("ENOTTY", result(agent, "12", "ioas-map fd1 ioas1 0x123 0x1000 0x80000006"));
        }
    }

    @Test
    void namesWithoutAnOpenDescriptorAreEbadf() {
        HostTree tree = new HostTree(root).plainNode("iommu");
        try (HostAgent agent = new HostAgent(tree.paths())) {
            assertEquals("EBADF", result(agent, "1", "group-status g1"));
            assertEquals("EBADF", result(agent, "2", "set-container g1 c1"));
            assertEquals("EBADF", result(agent, "3", "unset-container g1"));
            assertEquals("EBADF", result(agent, "4", "get-device-fd g1 0000:00:03.0 d1"));
            assertEquals("EBADF", result(agent, "5", "cdev-bind d1 fd1"));
            assertEquals("EBADF", result(agent, "6", "cdev-attach d1 ioas1"));
            assertEquals("EBADF", result(agent, "7", "cdev-detach d1"));
            assertEquals("EBADF", result(agent, "8", "hwpt-alloc fd1 d1 ioas1 hwpt1"));
            assertEquals("EBADF", result(agent, "9", "destroy fd1 ioas1"));
            assertEquals("EBADF", result(agent, "10", "close g1"));
        }
    }

    @Test
    void opensOfMissingNodesAnswerTheOpensErrno() {
        HostTree tree = new HostTree(root).device("0000:00:03.0", null);
        try (HostAgent agent = new HostAgent(tree.paths())) {
            assertEquals("ENOENT", result(agent, "1", "open c1 container"));
            assertEquals("ENOENT", result(agent, "2", "open fd1 iommufd"));
            assertEquals("ENOENT", result(agent, "3", "open g1 vfio-group 0000:00:03.0"));
            assertEquals("ENOENT", result(agent, "4", "open d1 cdev 0000:00:03.0"));
            assertEquals(OptionalInt.empty(), agent.descriptor("c1"));
        }
    }

    @Test
    void aNameKeepsItsDescriptorUntilClosed() {
        HostTree tree = new HostTree(root).plainNode("iommu");
        HostAgent agent = new HostAgent(tree.paths());
        try {
            assertEquals("ok", result(agent, "1", "open fd1 iommufd"));
            OptionalInt fd = agent.descriptor("fd1");
            assertTrue(fd.isPresent() && fd.getAsInt() >= 0, "fd1 has a descriptor: " + fd);
            assertEquals("ok", result(agent, "2", "close fd1"));
            assertEquals(OptionalInt.empty(), agent.descriptor("fd1"));
            assertEquals("EBADF", result(agent, "3", "close fd1"));
            assertEquals("ok", result(agent, "4", "open fd2 iommufd"));
        } finally {
            agent.close();
        }
        assertEquals(OptionalInt.empty(), agent.descriptor("fd2"));
    }

    @Test
    void aDuplicateOutlivesTheNamesClose() {
        HostTree tree = new HostTree(root).plainNode("iommu");
        try (HostAgent agent = new HostAgent(tree.paths())) {
            assertEquals(-dev.custody.nativeio.libc.Libc.EBADF, agent.duplicate("fd1"), "never opened");
            assertEquals("ok", result(agent, "1", "open fd1 iommufd"));
            int copy = agent.duplicate("fd1");
            assertTrue(copy >= 0 && copy != agent.descriptor("fd1").getAsInt(), "a new descriptor: " + copy);
            assertEquals("ok", result(agent, "2", "close fd1"));
            assertEquals(-dev.custody.nativeio.libc.Libc.EBADF, agent.duplicate("fd1"));
            assertEquals(0, dev.custody.nativeio.libc.LibcIo.lseek(copy, 0, 0), "the duplicate is still open");
            assertEquals(0, dev.custody.nativeio.libc.Libc.close(copy));
        }
    }

    @Test
    void kernelSaysWhatTheDevicesOffer() {
        HostTree tree = new HostTree(root).plainNode("iommu");
        try (HostAgent agent = new HostAgent(tree.paths())) {
            assertEquals(
                    "R -kernel ok iommufd=1 container=0 kmod=0",
                    agent.perform("-kernel", "kernel").lines().getFirst());
        }
    }

    @Test
    void inKernelCallsWithoutTheTestModuleAreEnodev() {
        HostTree tree = new HostTree(root);
        try (HostAgent agent = new HostAgent(tree.paths())) {
            assertEquals("ENODEV", result(agent, "1", "kmod group-claim 0000:00:03.0 o1 - - - - - -"));
            assertEquals(
                    "E step 2: unknown in-kernel call reticulate",
                    agent.perform("2", "kmod reticulate - - - - - - - -")
                            .lines()
                            .getFirst());
        }
    }
}

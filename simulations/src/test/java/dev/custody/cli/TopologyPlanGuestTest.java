package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code custody topology plan-guest} on the q35 capture's groups. */
class TopologyPlanGuestTest {

    private static CliRun plan(String... args) {
        var all = new java.util.ArrayList<>(List.of("topology", "plan-guest", "--sysfs", CliRun.Q35.toString()));
        all.addAll(List.of(args));
        return CliRun.of(all.toArray(String[]::new));
    }

    private static List<String> devices(CliRun run) {
        return run.out().lines().filter(l -> l.startsWith("-device ")).toList();
    }

    @Test
    void aMultifunctionGroupStaysOneSlotBehindItsOwnHostBridgeAndRootPort() {
        var run = plan("--assign", "2");
        assertEquals(0, run.status(), run.out() + run.err());
        assertEquals(
                List.of(
                        "-device pxb-pcie,id=pxb-g2,bus_nr=16,bus=pcie.0",
                        "-device pcie-root-port,id=rp-g2,bus=pxb-g2,chassis=1,slot=0,addr=00.0",
                        "-device vfio-pci,host=0000:00:03.0,bus=rp-g2,addr=00.0,multifunction=on",
                        "-device vfio-pci,host=0000:00:03.1,bus=rp-g2,addr=00.1"),
                devices(run));
    }

    @Test
    void aGroupBehindAConventionalBridgeGetsAGuestPciBridgeAndTheHostBridgeStays() {
        var run = plan("--assign", "3,7");
        assertEquals(0, run.status(), run.out() + run.err());
        assertEquals(
                List.of(
                        "-device pxb-pcie,id=pxb-g3,bus_nr=16,bus=pcie.0",
                        "-device pcie-root-port,id=rp-g3,bus=pxb-g3,chassis=1,slot=0,addr=00.0",
                        "-device pcie-pci-bridge,id=br-g3,bus=rp-g3,addr=00.0",
                        "-device vfio-pci,host=0000:02:01.0,bus=br-g3,addr=01.0",
                        "-device vfio-pci,host=0000:02:02.0,bus=br-g3,addr=02.0",
                        "-device pxb-pcie,id=pxb-g7,bus_nr=32,bus=pcie.0",
                        "-device pcie-root-port,id=rp-g7,bus=pxb-g7,chassis=2,slot=0,addr=00.0",
                        "-device vfio-pci,host=0000:03:00.0,bus=rp-g7,addr=00.0"),
                devices(run));
        assertTrue(run.out().contains("stays with the host") && run.out().contains("0000:00:04.0"), run.out());
    }

    @Test
    void assigningPartOfAGroupIsRefusedNamingWhatStaysWithTheHost() {
        var run = plan("--assign", "0000:00:03.1");
        assertEquals(1, run.status());
        assertEquals(
                "refused: this VM splits group 2: it takes 0000:00:03.1 but 0000:00:03.0 would stay with the host;"
                        + " assign the whole group",
                run.out().strip());
    }

    @Test
    void aGroupSharedWithAnotherVmIsRefused() {
        var run = plan("--assign", "2,7", "--other-vm", "03:00.0");
        assertEquals(1, run.status());
        assertTrue(run.out().contains("refused: group 7 is split across VMs (this VM, --other-vm #1)"), run.out());
        assertEquals(List.of(), devices(run), "a refused plan prints no arguments");
    }

    @Test
    void aGroupOfOnlyBridgesIsRefused() {
        var run = plan("--assign", "1");
        assertEquals(1, run.status());
        assertTrue(run.out().contains("group 1 has nothing a guest can take"), run.out());
    }

    @Test
    void anUnknownGroupIsBadInput() {
        var run = plan("--assign", "42");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("--assign: 42: no group 42"), run.err());
    }

    @Test
    void jsonHoldsTheSameArgumentsOrTheRefusals() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var planned = plan("--assign", "2", "--json");
        assertEquals(0, planned.status(), planned.out() + planned.err());
        var root = json.readTree(planned.out());
        assertTrue(root.get("planned").asBoolean());
        List<String> arguments = new java.util.ArrayList<>();
        root.get("qemuArguments").forEach(a -> arguments.add(a.asText()));
        assertEquals(
                devices(plan("--assign", "2")),
                arguments.stream().filter(l -> l.startsWith("-device ")).toList());

        var refused = plan("--assign", "2,7", "--other-vm", "03:00.0", "--json");
        assertEquals(1, refused.status(), refused.out() + refused.err());
        var refusal = json.readTree(refused.out());
        assertEquals(false, refusal.get("planned").asBoolean());
        assertTrue(refusal.get("refused").get(0).asText().contains("split across VMs"), refused.out());
    }
}

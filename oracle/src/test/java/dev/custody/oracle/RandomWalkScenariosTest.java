package dev.custody.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.ops.NotRealisable;
import dev.custody.ops.Operation;
import dev.custody.scenario.Scenario;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RandomWalkScenariosTest {

    private static String steps(Scenario scenario) {
        return scenario.steps().stream().map(s -> s.node().toString()).toList().toString();
    }

    @Test
    void theSameSeedGivesTheSameWalksAndEveryWalkCanRunInTheVm() throws NotRealisable {
        int machines = WalkMachines.ALL.size();
        List<Scenario> first = RandomWalkScenarios.generate(machines, 42, 80);
        List<Scenario> again = RandomWalkScenarios.generate(machines, 42, 80);
        for (int i = 0; i < first.size(); i++) {
            assertEquals(80, first.get(i).steps().size());
            assertEquals(steps(first.get(i)), steps(again.get(i)));
            GuestScript.of(first.get(i), GuestLayout.of(first.get(i)));
        }
        assertNotEquals(steps(first.get(0)), steps(first.get(1)));
        assertNotEquals(
                steps(first.get(0)),
                steps(RandomWalkScenarios.generate(1, 43, 80).get(0)));
        assertTrue(first.get(0).source().startsWith(RandomWalkScenarios.SOURCE_PREFIX));
    }

    @Test
    void theWalksRunOnEveryMachineShapeAndThePciFormsAreBuiltAsThemselves() throws NotRealisable {
        assertTrue(WalkMachines.ALL.size() >= 5, "the walks' machine shapes");
        List<Scenario> walks = RandomWalkScenarios.generate(WalkMachines.ALL.size(), 7, 20);
        Set<GuestDevice.Kind> built = new HashSet<>();
        for (int i = 0; i < walks.size(); i++) {
            Scenario walk = walks.get(i);
            assertEquals(WalkMachines.ALL.get(i), WalkMachines.of(walk).orElseThrow(), walk.source());
            GuestLayout.of(walk).devices().values().forEach(d -> built.add(d.kind()));
        }
        assertTrue(
                built.containsAll(Set.of(
                        GuestDevice.Kind.ROOT_PORT,
                        GuestDevice.Kind.SWITCH_UPSTREAM_PORT,
                        GuestDevice.Kind.SWITCH_DOWNSTREAM_PORT,
                        GuestDevice.Kind.PCIE_TO_PCI_BRIDGE)),
                built.toString());
    }

    @Test
    void everyOperationOfTheVocabularyIsDrawn() {
        Set<String> drawn = new TreeSet<>();
        RandomWalkScenarios.generate(WalkMachines.ALL.size() * 2, 11, 150)
                .forEach(walk -> walk.steps().forEach(s -> drawn.add(s.op())));
        for (Operation<?> operation : RandomWalkScenarios.vocabulary()) {
            // close(2) is drawn once and spelled for the kind of file it closes
            if (operation.name().endsWith(".close")) {
                continue;
            }
            assertTrue(drawn.contains(operation.name()), operation.name() + " was never drawn: " + drawn);
        }
        assertTrue(
                drawn.containsAll(Set.of(
                        "vfio.group.close",
                        "vfio.container.close",
                        "vfio.device.close",
                        "iommufd.close",
                        "cdev.close")),
                drawn.toString());
    }

    @Test
    void everyKindOfArgumentAndRangeIsDrawn() {
        Map<String, Integer> drawn = RandomWalkScenarios.argumentsDrawn(5, 600, 0);
        for (WalkDraw.Argument argument : WalkDraw.Argument.values()) {
            assertTrue(drawn.getOrDefault(argument.name(), 0) > 0, argument + " never drawn: " + drawn);
        }
        for (WalkRanges.Shape shape : WalkRanges.Shape.values()) {
            assertTrue(drawn.getOrDefault(shape.name(), 0) > 0, shape + " never drawn: " + drawn);
        }
    }

    @Test
    void onTheSharingMachineTheCiWalksMeetGroupsInOneContainer() {
        // the walks scripts/oracle-ci.sh runs: 24 of seed 2026, 150 steps each
        assertTrue(RandomWalkScenarios.reached(24, 2026, 150, WalkMachines.ALL.size() - 1)
                .contains(WalkReach.Reached.GROUPS_SHARE_A_CONTAINER));
    }

    @Test
    void dynamicIdsAreDrawnInEveryFormTheGuestPlaysAndOnlyOnMachinesWithIds() throws NotRealisable {
        Set<String> forms = new TreeSet<>();
        for (Scenario walk : RandomWalkScenarios.generate(24, 2026, 150)) {
            boolean withIds = WalkMachines.of(walk).orElseThrow().pciFunctions().isPresent();
            GuestLayout layout = GuestLayout.of(walk);
            for (var step : walk.steps()) {
                if (!step.op().equals("driver.new_id") && !step.op().equals("driver.remove_id")) {
                    continue;
                }
                assertTrue(withIds, walk.source() + " drew " + step.node() + " on a machine without ids");
                String driver = step.field("driver").orElseThrow().asText();
                String text = step.field("id").orElseThrow().asText();
                // what the line checks is realisable: GuestDynamicIds throws otherwise
                GuestDynamicIds.line(layout, driver, step.op().substring("driver.".length()), text);
                int fields = dev.custody.rules.HexFields.scan(text, 7).size();
                boolean managed = GuestLayout.GUEST_MANAGED_DRIVERS.contains(driver);
                forms.add(step.op() + " " + (managed ? "managed" : "native") + " "
                        + (fields < 2 ? "short" : fields + (fields == 7 && text.endsWith(" 1") ? " data" : "")));
            }
        }
        assertTrue(
                forms.containsAll(Set.of(
                        "driver.new_id managed short",
                        "driver.new_id managed 2",
                        "driver.new_id managed 4",
                        "driver.new_id managed 7",
                        "driver.new_id managed 7 data",
                        "driver.new_id native 2",
                        "driver.remove_id managed 2",
                        "driver.remove_id managed 6")),
                forms.toString());
    }
}

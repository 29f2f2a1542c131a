package dev.custody.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.ops.NotRealisable;
import dev.custody.scenario.Scenario;
import java.util.List;
import org.junit.jupiter.api.Test;

class RandomWalkScenariosTest {

    private static String steps(Scenario scenario) {
        return scenario.steps().stream().map(s -> s.node().toString()).toList().toString();
    }

    @Test
    void theSameSeedGivesTheSameWalksAndEveryWalkCanRunInTheVm() throws NotRealisable {
        List<Scenario> first = RandomWalkScenarios.generate(3, 42, 80);
        List<Scenario> again = RandomWalkScenarios.generate(3, 42, 80);
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
}

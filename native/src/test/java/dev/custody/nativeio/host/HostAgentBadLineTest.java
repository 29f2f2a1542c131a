package dev.custody.nativeio.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lines that cannot be performed are answered with a problem naming them, never an exception. */
class HostAgentBadLineTest {
    @TempDir
    Path root;

    private String problem(String step, String line) {
        try (HostAgent agent = new HostAgent(new HostTree(root).paths())) {
            AgentAnswer.Problem problem = assertInstanceOf(AgentAnswer.Problem.class, agent.perform(step, line));
            assertEquals(1, problem.lines().size());
            return problem.lines().getFirst();
        }
    }

    @Test
    void anUnknownVerbIsNamed() {
        assertEquals("E step 3: unknown verb frobnicate", problem("3", "frobnicate g1"));
    }

    @Test
    void tooFewArgumentsSayHowManyTheVerbNeeds() {
        assertEquals("E step 4: map-dma needs 5 arguments", problem("4", "map-dma c1 0x1000"));
    }

    @Test
    void aNumberThatDoesNotParseNamesTheLineAndTheNumber() {
        assertEquals(
                "E step 5: cannot perform \"map-dma c1 0x1000 0xzz 0x1000 rw\": \"0xzz\" is not a number",
                problem("5", "map-dma c1 0x1000 0xzz 0x1000 rw"));
        assertEquals(
                "E step 6: cannot perform \"ioas-unmap fd1 ioas1 0x1000 0x1ffffffffffffffff\":"
                        + " \"0x1ffffffffffffffff\" is more than 64 bits",
                problem("6", "ioas-unmap fd1 ioas1 0x1000 0x1ffffffffffffffff"));
    }

    @Test
    void anOpenOfAnUnknownKindIsNamed() {
        assertEquals("E step 7: open of unknown kind socket", problem("7", "open s1 socket"));
    }

    @Test
    void anEmptyLineIsAProblem() {
        assertEquals("E step 8: empty line", problem("8", "   "));
    }

    @Test
    void numbersReadAsStrtoullReadsThem() throws BadLine {
        assertEquals(0x7f0000010000L, AgentNumbers.number("0x7f0000010000"));
        assertEquals(8, AgentNumbers.number("010"));
        assertEquals(0, AgentNumbers.number("0"));
        assertEquals(-19, AgentNumbers.number("-19"));
        assertEquals(-1L, AgentNumbers.number("0xffffffffffffffff"));
    }
}

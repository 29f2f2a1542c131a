package dev.custody.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.nativeio.host.HostAgent;
import dev.custody.nativeio.host.HostPaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java host agent has every verb of the C agent's table, needing as many arguments: one
 * argument too few is refused as the C agent refuses it, and enough never reads as an unknown verb.
 */
class HostAgentVerbsTest {
    private static final Pattern VERB = Pattern.compile("\\{\"([a-z-]+)\", (\\d+), do_[a-z_]+}");

    @Test
    void everyVerbOfTheCAgentIsOneOfTheJavaAgent(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("sys"));
        Files.createDirectories(root.resolve("dev"));
        List<String> problems = new ArrayList<>();
        try (HostAgent agent = new HostAgent(new HostPaths(root.resolve("sys"), root.resolve("dev")))) {
            for (Map.Entry<String, Integer> verb : cAgentVerbs().entrySet()) {
                int needs = verb.getValue();
                String tooFew = String.join(" ", Collections.nCopies(needs - 1, "0"));
                List<String> refused =
                        agent.perform("1", verb.getKey() + " " + tooFew).lines();
                String expected = "E step 1: " + verb.getKey() + " needs " + needs + " arguments";
                if (!refused.equals(List.of(expected))) {
                    problems.add(verb.getKey() + " with " + (needs - 1) + " arguments answered " + refused);
                }
                String enough = String.join(" ", Collections.nCopies(needs, "0"));
                List<String> performed =
                        agent.perform("2", verb.getKey() + " " + enough).lines();
                if (performed.stream().anyMatch(l -> l.contains("unknown verb"))) {
                    problems.add(verb.getKey() + " is unknown: " + performed);
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    private static Map<String, Integer> cAgentVerbs() throws IOException {
        String source;
        try (InputStream in =
                HostAgentVerbsTest.class.getResourceAsStream("/dev/custody/oracle/agent/custody-agent.c")) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, Integer> verbs = new LinkedHashMap<>();
        Matcher matcher = VERB.matcher(source);
        while (matcher.find()) {
            verbs.put(matcher.group(1), Integer.parseInt(matcher.group(2)));
        }
        assertTrue(verbs.size() > 20, "the agent's verb table was not found: " + verbs);
        assertEquals(verbs.size(), verbs.values().stream().filter(n -> n > 0).count(), "every verb takes arguments");
        return verbs;
    }
}

package dev.custody.oracle;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.ops.Caller;
import dev.custody.ops.FakeAgent;
import dev.custody.ops.Operation;
import dev.custody.ops.Operations;
import dev.custody.ops.SymbolicDraw;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every line the operation catalogue writes for the guest agent is one the agent's C source
 * understands: a verb it has, with at least as many arguments as it reads. A new operation whose
 * agent line the agent does not know fails here, not in a VM.
 */
class AgentVerbsTest {
    private static final Pattern VERB = Pattern.compile("\\{\"([a-z-]+)\", (\\d+), do_[a-z_]+}");

    @Test
    void everyUserSpaceOperationSpeaksAVerbTheAgentHas() throws Exception {
        Map<String, Integer> verbs = agentVerbs();
        List<String> problems = new ArrayList<>();
        for (Operation<?> operation : Operations.all()) {
            if (operation.caller() != Caller.USER_SPACE) {
                continue;
            }
            Operation<?> generating = operation.generates()
                    ? operation
                    : Operations.forCommand(operation.command()).stream()
                            .filter(Operation::generates)
                            .findFirst()
                            .orElseThrow();
            for (long seed = 0; seed < 20; seed++) {
                String line = operation.agentLine(generating.generate(new SymbolicDraw(seed)), new FakeAgent());
                String[] words = line.split(" ");
                Integer needs = verbs.get(words[0]);
                if (needs == null) {
                    problems.add(operation + " writes verb " + words[0] + ", which the agent does not have: " + line);
                } else if (words.length - 1 < needs) {
                    problems.add(operation + " gives " + (words.length - 1) + " arguments, the agent reads " + needs
                            + ": " + line);
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** The agent's verb table, plus the verbs it handles before the table (open takes a name and a kind). */
    private static Map<String, Integer> agentVerbs() throws IOException {
        String source;
        try (InputStream in = AgentVerbsTest.class.getResourceAsStream("/dev/custody/oracle/agent/custody-agent.c")) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, Integer> verbs = new HashMap<>();
        Matcher matcher = VERB.matcher(source);
        while (matcher.find()) {
            verbs.put(matcher.group(1), Integer.parseInt(matcher.group(2)));
        }
        assertTrue(verbs.size() > 20, "the agent's verb table was not found: " + verbs);
        verbs.put("open", 2);
        verbs.put("state", 1);
        return verbs;
    }
}

package dev.custody.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.server.ControlClient;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code custody ctl --socket PATH OP key=value...}: one request to a running {@code custody serve}. */
@Command(
        name = "ctl",
        mixinStandardHelpOptions = true,
        header = "Send one request to custody serve and print the answer.",
        description = {
            "Each key=value is an argument; a value that reads as JSON (a number, true, null, [..]) is",
            "sent as that, anything else as a string. Exit 0 on ok (and WARN, PENDING), 1 on an error answer,",
            "2 when the server cannot be reached."
        })
public final class CtlCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--socket", required = true, paramLabel = "PATH", description = "The server's socket.")
    Path socket;

    @Option(names = "--as", paramLabel = "NAME", description = "Name what the operation creates.")
    String as;

    @Option(names = "--holder", paramLabel = "NAME", description = "Act for this named holder.")
    String holder;

    @Option(names = "--opid", paramLabel = "ID", description = "Operation id: a retry gets the first answer.")
    String opid;

    @Option(
            names = "--instance",
            paramLabel = "NAME",
            description = "On a cluster node's control socket (serve --cluster --control-socket): the engine"
                    + " instance to talk to, wherever it runs.")
    String instance;

    @Option(names = "--json", description = "Print the answer as the server sent it.")
    boolean json;

    @Parameters(index = "0", paramLabel = "OP", description = "An operation (driver.bind, ...) or query-state, ...")
    String op;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "Arguments.")
    List<String> arguments = List.of();

    @Override
    public Integer call() throws Exception {
        ObjectNode request = JSON.createObjectNode().put("execute", op);
        ObjectNode args = request.putObject("arguments");
        for (String argument : arguments) {
            int equals = argument.indexOf('=');
            if (equals <= 0) {
                System.err.println("custody ctl: arguments are key=value, not " + argument);
                return 2;
            }
            args.set(argument.substring(0, equals), value(argument.substring(equals + 1)));
        }
        if (as != null) {
            request.put("as", as);
        }
        if (holder != null) {
            request.put("holder", holder);
        }
        if (opid != null) {
            request.put("opid", opid);
        }
        JsonNode answer;
        try (ControlClient client = ControlClient.connect(socket, java.util.Optional.ofNullable(instance))) {
            if (client.greeting().has("error")) {
                print(client.greeting());
                return 2;
            }
            answer = client.call(request);
        } catch (java.io.IOException e) {
            System.err.println("custody ctl: " + socket + ": " + e.getMessage());
            return 2;
        }
        print(answer);
        return answer.has("error") ? 1 : 0;
    }

    private void print(JsonNode answer) throws Exception {
        if (json) {
            System.out.println(JSON.writeValueAsString(answer));
            return;
        }
        if (answer.has("error")) {
            JsonNode error = answer.get("error");
            System.out.println(error.path("class").asText() + ": "
                    + error.path("desc").asText() + (error.has("state") ? "  " + error.get("state") : ""));
            return;
        }
        JsonNode body = answer.path("return");
        StringBuilder sentence = new StringBuilder(
                body.path("pending").asBoolean()
                        ? "PENDING: " + body.path("reason").asText()
                        : body.has("warning") ? "WARN: " + body.path("warning").asText() : "ok");
        List<String> stepMembers = List.of("value", "state", "completes", "seq", "pending", "reason", "warning");
        boolean stepAnswer = true;
        for (var names = body.fieldNames(); names.hasNext(); ) {
            stepAnswer &= stepMembers.contains(names.next());
        }
        if (!stepAnswer) {
            sentence.append("  ").append(body); // a query's answer: the object as it is
        } else {
            for (String member : List.of("value", "state", "completes", "seq")) {
                if (body.has(member)) {
                    sentence.append("  ").append(member).append(' ').append(body.get(member));
                }
            }
        }
        System.out.println(sentence);
    }

    private static JsonNode value(String text) {
        try {
            JsonNode parsed = JSON.readTree(text);
            if (parsed != null && !parsed.isMissingNode()) {
                return parsed;
            }
        } catch (java.io.IOException notJson) {
            // a plain word: a device name, a driver, a handle name
        }
        return JSON.getNodeFactory().textNode(text);
    }
}

package dev.custody.crash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.bench.serve.VmLife;
import dev.custody.server.ControlClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * One client of {@code crash-test --serve}: a VM's life ({@link VmLife}) on its own group under a
 * named holder (whose names outlive the server), every request with an opid of its own. When the
 * server dies under it, it waits for the next one, sends again the request that got no answer (a
 * retry, same opid, same request), then a seeded sample of requests that were answered (repeats),
 * whose answers must equal the first ones; then it goes on with its life.
 */
final class ServeClient implements Runnable {
    /** Answered requests sent again after each restart mid-load, and at the final check. */
    static final int REPEATS_AFTER_RESTART = 3;

    static final int REPEATS_AT_THE_END = 10;

    private final int vm;
    private final Path socket;
    private final String opidPrefix;
    private final ServeGate gate;
    private final ServeTally tally;
    private final ServeAnswers answers;
    private final Random random;
    private final List<ObjectNode> requests = new ArrayList<>();
    private final List<JsonNode> firstAnswers = new ArrayList<>();
    /** How many requests this client has sent (each once, but for retries): the next opid's number. */
    private int sent;
    /** The request sent last, when the server died before answering it. */
    private ObjectNode inDoubt;

    ServeClient(
            int vm, Path socket, String opidPrefix, long seed, ServeGate gate, ServeTally tally, ServeAnswers answers) {
        this.vm = vm;
        this.socket = socket;
        this.opidPrefix = opidPrefix;
        this.random = new Random(seed * 31 + vm);
        this.gate = gate;
        this.tally = tally;
        this.answers = answers;
    }

    @Override
    public void run() {
        int seen = 0;
        try {
            while (true) {
                ServeGate.Generation generation = gate.await(seen);
                seen = generation.number();
                if (generation.phase() == ServeGate.Phase.CLOSED) {
                    return;
                }
                serve(generation);
            }
        } catch (InterruptedException stopped) {
            Thread.currentThread().interrupt();
        }
    }

    /** One server's life, as far as this client sees it: until its connection dies or the check is done. */
    private void serve(ServeGate.Generation generation) {
        try (ControlClient client = ControlClient.connect(socket)) {
            if (!client.greeting().has("custody")) {
                tally.problem("cycle " + generation.cycle() + ": vm" + vm + " was refused: " + client.greeting());
                return;
            }
            if (inDoubt != null) {
                JsonNode answer = client.call(inDoubt);
                long seq = answer.path("return").path("seq").asLong(-1);
                tally.retried(seq >= 0 && seq <= generation.recoveredSeq());
                answered(inDoubt, answer, generation.cycle());
                inDoubt = null;
            }
            boolean verify = generation.phase() == ServeGate.Phase.VERIFY;
            repeat(client, verify ? REPEATS_AT_THE_END : REPEATS_AFTER_RESTART, generation.cycle());
            if (verify) {
                gate.verified();
                return;
            }
            while (true) {
                ObjectNode request = next();
                inDoubt = request;
                JsonNode answer = client.call(request);
                answered(request, answer, generation.cycle());
                inDoubt = null;
            }
        } catch (IOException serverGone) {
            // killed under us (or gone before we connected): the next generation's server gets the retry
        }
    }

    /** The next request of this VM's life: the bind first, then the life's steps over and over. */
    private ObjectNode next() {
        int n = sent++;
        VmLife.Step step = n == 0
                ? VmLife.bind(vm)
                : VmLife.life(vm).get((n - 1) % VmLife.life(vm).size());
        ObjectNode request = step.request();
        request.put("holder", "vm-" + vm);
        request.put("opid", opidPrefix + "-vm" + vm + "-" + n);
        return request;
    }

    private void answered(ObjectNode request, JsonNode answer, int cycle) {
        String opid = request.get("opid").asText();
        String operation = request.get("execute").asText();
        if (answer.has("error")) {
            tally.problem("cycle " + cycle + ": vm" + vm + "'s " + operation + " (opid " + opid
                    + ") was answered with an error: " + answer.get("error"));
        }
        Optional<Long> seq = Optional.ofNullable(answer.path("return").get("seq"))
                .or(() -> Optional.ofNullable(answer.path("error").get("seq")))
                .map(JsonNode::asLong);
        String result = answer.has("error") ? answer.path("error").path("class").asText() : "ok";
        answers.add(new ServeAnswers.Answer(opid, vm, cycle, operation, seq, result));
        requests.add(request);
        firstAnswers.add(answer);
        tally.answered();
    }

    /** Sends {@code count} answered requests again, chosen at random; each must get its first answer. */
    private void repeat(ControlClient client, int count, int cycle) throws IOException {
        for (int i = 0; i < count && !requests.isEmpty(); i++) {
            int which = random.nextInt(requests.size());
            JsonNode again = client.call(requests.get(which));
            JsonNode first = firstAnswers.get(which);
            boolean same = again.equals(first);
            tally.repeated(same);
            if (!same) {
                tally.problem("cycle " + cycle + ": vm" + vm + "'s opid "
                        + requests.get(which).get("opid").asText() + " was first answered " + first
                        + ", its repeat after the restart " + again);
            }
        }
    }
}

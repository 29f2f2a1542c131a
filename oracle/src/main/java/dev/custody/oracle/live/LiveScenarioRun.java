package dev.custody.oracle.live;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.entity.AnswerRecord;
import dev.custody.entity.CommandRecord;
import dev.custody.entity.HostRecord;
import dev.custody.live.HostSysfs;
import dev.custody.live.LiveHost;
import dev.custody.live.LiveMode;
import dev.custody.model.Command;
import dev.custody.model.DeviceSpec;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.nativeio.host.AgentAnswer;
import dev.custody.nativeio.host.GuestModules;
import dev.custody.nativeio.host.HostAgent;
import dev.custody.nativeio.host.HostPaths;
import dev.custody.ops.Operations;
import dev.custody.oracle.GuestLayout;
import dev.custody.oracle.GuestScript;
import dev.custody.rules.Decision;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.ScenarioParser;
import dev.custody.scenario.Step;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A scenario through the live engine, run inside the oracle's VM as its only program: the guest set up
 * with the scenario's starting drivers (the lines the oracle's agent script begins with), the topology
 * imported from the guest's {@code /sys}, an engine started as {@code custody serve --host} starts it
 * with the scenario's devices as its allow-list, then each step sent to the engine as a request in the
 * guest's terms ({@link GuestTerms}). The engine decides it with the model and carries an accepted one
 * out on the kernel; the run prints, per step, a {@code STEP} line with the model's answer, the kernel's
 * (when the step was carried out), the line carried out and any drift, then {@code END}.
 *
 * <p>Usage: {@code LiveScenarioRun SOURCE FILE...}: for each scenario, its name on the host and its text in
 * the guest; each one's lines follow a {@code FILE SOURCE} line.
 */
public final class LiveScenarioRun {
    public static final String STEP = "STEP ";
    public static final String SETUP = "SETUP ";
    public static final String DRIFT = "DRIFT ";
    public static final String END = "END ";
    public static final String FILE = "FILE ";

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final PrintStream out;
    /** What the host did for the step being decided: the call carried out. */
    private final List<ObjectNode> carried = new ArrayList<>();

    private LiveScenarioRun(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        int status = 0;
        try (CustodyRuntime runtime = CustodyRuntime.start(CustodyRuntime.inMemoryJournal())) {
            GuestModules.load(Path.of("/modules/order")).forEach(p -> out.println("NOTE " + p));
            GuestModules.settle(HostPaths.standard());
            for (int i = 0; i + 1 < args.length; i += 2) {
                out.println(FILE + args[i]);
                try {
                    Scenario scenario = guestScenario(Path.of(args[i + 1]));
                    new LiveScenarioRun(out).run(runtime, "live-oracle-" + i / 2, scenario);
                } catch (Exception | Error broken) {
                    out.println(SETUP + "stopped: " + broken);
                    broken.printStackTrace();
                    status = 1;
                }
            }
        } catch (Exception | Error broken) {
            out.println(SETUP + "stopped: " + broken);
            broken.printStackTrace();
            status = 1;
        }
        out.flush();
        Runtime.getRuntime().halt(status);
    }

    /**
     * The file as the guest realises it, named by its path in the guest, not the host's name for it.
     * The layout reads a file's pci form from the file its source names (the parsed scenario keeps
     * only the derived devices), and the host's path is not in the guest: without the form the layout
     * would be the machine reading of the devices, whose QEMU devices and drivers are not the ones the
     * host booted (e1000e where the form's virtio-net plays e1000e, so a bind of it answered ENODEV).
     * The guest's copy has the host file's text, so both read the same form.
     */
    static Scenario guestScenario(Path file) throws java.io.IOException {
        return ScenarioParser.parse(file.toString(), Files.readString(file));
    }

    /**
     * One scenario on this guest, which may have run others before it: an override an earlier one left
     * is cleared before its set-up (a file that removes devices or changes a group's type runs alone).
     */
    private void run(CustodyRuntime runtime, String instance, Scenario scenario) throws Exception {
        GuestLayout layout = GuestLayout.of(scenario);
        List<String> unlike = BootedDevices.unlike(layout, HostSysfs.DEFAULT_ROOT.resolve(HostSysfs.DEVICES));
        if (!unlike.isEmpty()) {
            out.println(SETUP + "the guest's devices are not the layout's: " + String.join("; ", unlike));
            return;
        }
        clearOverrides(layout);
        setUp(GuestScript.of(scenario, layout));
        Topology machine = LiveSelfCheck.imported(new HostSysfs(HostSysfs.DEFAULT_ROOT));
        GuestTerms terms = new GuestTerms(layout, machine);
        List<String> wrong = startingDrivers(layout, terms, machine);
        if (!wrong.isEmpty()) {
            out.println(SETUP + "the guest could not set up the starting drivers: " + String.join("; ", wrong));
            return;
        }
        try (LiveMode.Running live = LiveMode.check(terms.allowList(scenario.steps()), false, false)
                .start(runtime, instance, machine, TIMEOUT)) {
            out.println("NOTE " + live.describe());
            live.host().witnessWith(new Witness());
            steps(scenario, terms, live);
            out.println(
                    END + live.host().carriedOut() + " carried " + live.host().drifts() + " drifts");
        }
    }

    private static void clearOverrides(GuestLayout layout) throws java.io.IOException {
        for (var device : layout.devices().values()) {
            Path override = HostSysfs.DEFAULT_ROOT
                    .resolve(HostSysfs.DEVICES)
                    .resolve(device.address())
                    .resolve("driver_override");
            if (Files.exists(override)) {
                Files.writeString(override, "\n");
            }
        }
    }

    /** The agent script's set-up lines, performed by the FFM agent the engine carries its calls out with. */
    private void setUp(String script) {
        try (HostAgent agent = HostAgent.onThisHost()) {
            for (String line : script.lines().toList()) {
                String[] words = line.split(" ", 2);
                if (!words[0].startsWith("-") || words.length < 2 || words[1].equals("modules")) {
                    continue;
                }
                if (agent.perform(words[0], words[1]) instanceof AgentAnswer.Problem problem) {
                    out.println("NOTE set-up " + words[1] + ": " + problem.message());
                }
            }
        }
    }

    private static List<String> startingDrivers(GuestLayout layout, GuestTerms terms, Topology machine) {
        List<String> wrong = new ArrayList<>();
        for (DeviceSpec spec : layout.topology().devices().values()) {
            if (!layout.devices().containsKey(spec.id())) {
                continue;
            }
            DeviceSpec guest = machine.devices().get(new dev.custody.model.DeviceId(terms.address(spec.id())));
            Optional<String> wants = spec.bootDriver().map(d -> layout.guestDriver(spec.id(), d));
            Optional<String> has = guest == null ? Optional.of("(absent)") : guest.bootDriver();
            if (!has.equals(wants)) {
                wrong.add(spec.id() + " has " + has.orElse("none") + " instead of " + wants.orElse("none"));
            }
        }
        return wrong;
    }

    private void steps(Scenario scenario, GuestTerms terms, LiveMode.Running live) {
        EngineAdmin engine = live.engine();
        Map<String, Handle> names = new HashMap<>();
        for (Step step : scenario.steps()) {
            ObjectNode line = JSON.objectNode().put("step", step.number()).put("op", step.op());
            Command<?> command;
            try {
                command = Operations.read(step.op(), step.number(), terms.translate(step), names);
            } catch (RuntimeException unreadable) {
                out.println(STEP + line.put("unreadable", unreadable.getMessage()));
                continue;
            }
            long outside = live.host().refusedOutsideAllowList();
            List<ObjectNode> calls;
            Decision decision = engine.decide(command).toCompletableFuture().join();
            synchronized (this) {
                calls = List.copyOf(carried);
                carried.clear();
            }
            bind(step, decision.outcome(), names);
            line.put("answer", decision.outcome().resultName());
            decision.outcome().explanation().ifPresent(r -> line.put("reason", r));
            step.expect().ifPresent(e -> line.put("expect", e));
            if (!calls.isEmpty()) {
                line.setAll(calls.getFirst());
            } else {
                line.put("model", decision.outcome().resultName());
                line.put(
                        "notCarriedOut",
                        live.host().refusedOutsideAllowList() > outside
                                ? "outside the allow-list"
                                : !decision.outcome().isOk() && !(decision.outcome() instanceof Outcome.Warned)
                                        ? "the model refused it"
                                        : "user space cannot make this call");
            }
            out.println(STEP + line);
        }
    }

    /** A step's {@code as} names what it created, as {@code custody scenario run} binds it. */
    private static void bind(Step step, Outcome<Reply> outcome, Map<String, Handle> names) {
        if (step.as().isEmpty() || !(outcome instanceof Outcome.Ok<Reply> ok)) {
            return;
        }
        switch (ok.value()) {
            case Reply.Created c -> names.put(step.as().get(), c.handle());
            case Reply.Attached a -> names.put(step.as().get(), a.hwpt());
            default -> {}
        }
    }

    /** Collects what the live host did, on the coordinator's thread, for the step being decided. */
    private final class Witness implements LiveHost.Witness {
        @Override
        public void carriedOut(Command<?> command, String line, AnswerRecord model, AnswerRecord kernel) {
            // both ok with other values (the driver a probe bound) is a disagreement too: the values show it
            boolean valuesDiffer = model.ok() && kernel.ok() && !model.value().equals(kernel.value());
            // a kernel's ok with a reason: a check after the call (an IOAS map's ranges) found it at odds
            String checked = kernel.ok() && !kernel.reason().isEmpty() ? " (" + kernel.reason() + ")" : "";
            ObjectNode call = JSON.objectNode()
                    .put("model", valuesDiffer ? "ok " + model.value() : model.result())
                    .put("kernel", (valuesDiffer ? "ok " + kernel.value() : kernel.result()) + checked)
                    .put("line", line);
            synchronized (LiveScenarioRun.this) {
                carried.add(call);
            }
        }

        @Override
        public void drifted(CommandRecord command, AnswerRecord model, HostRecord host) {
            String text = host.kind() + " " + host.action() + ": model " + model.result() + ", host "
                    + host.kernel().result() + " (" + command.caller() + ": " + command.command() + ")";
            // told after the call's answer: printed as the file's, never attached to a step
            out.println(DRIFT + text);
        }
    }
}

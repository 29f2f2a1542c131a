package dev.custody.oracle;

import dev.custody.ops.NotRealisable;
import dev.custody.oracle.vm.Kernel;
import dev.custody.oracle.vm.TestModule;
import dev.custody.oracle.vm.VirtualMachine;
import dev.custody.oracle.vm.VmRequest;
import dev.custody.oracle.vm.VmResult;
import dev.custody.scenario.Scenario;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Runs scenarios in the VM with the guest agent and turns the agent's answers into lines. */
public final class KernelRunner {
    private static final int CONSOLE_TAIL_LINES = 25;
    private static final int BOOT_RETRIES = 2;

    private final VirtualMachine machine;
    private final GuestAgent agent;
    private final Duration timeout;

    public KernelRunner(VirtualMachine machine, Path agent, Duration timeout) {
        this(machine, new GuestAgent.C(agent), timeout);
    }

    public KernelRunner(VirtualMachine machine, GuestAgent agent, Duration timeout) {
        this.machine = machine;
        this.agent = agent;
        this.timeout = timeout;
    }

    /** Does the scenario need /dev/iommu or VFIO cdevs? */
    public static boolean needsIommufd(Scenario scenario) {
        return scenario.steps().stream().anyMatch(s -> s.op().startsWith("iommufd.") || s.op().startsWith("cdev."));
    }

    /** Does the scenario make in-kernel calls, which need the oracle's test module in the guest? */
    public static boolean needsTestModule(Scenario scenario) {
        return scenario.steps().stream()
                .map(s -> dev.custody.ops.Operations.find(s.op()).orElseThrow())
                .anyMatch(op -> op.caller() != dev.custody.ops.Caller.USER_SPACE
                        && !op.name().equals("state"));
    }

    public KernelRun run(Scenario scenario, Kernel kernel) throws NotRealisable {
        return run(scenario, kernel, Optional.empty());
    }

    /**
     * Runs the scenario; with {@code testModule} the module goes into the initramfs and the agent
     * loads it first. A kernel or guest that cannot be used at all is a {@link KernelUnusable}.
     */
    public KernelRun run(Scenario scenario, Kernel kernel, Optional<Path> testModule) throws NotRealisable {
        GuestLayout layout = GuestLayout.of(scenario);
        String script = GuestScript.of(scenario, layout, testModule.isPresent());
        VmRequest request = agent.request(
                kernel,
                layout.qemuArguments(),
                script,
                timeout,
                testModule.map(m -> List.of(TestModule.inGuest(m))).orElse(List.of()));
        VmResult vm = machine.run(request);
        AgentAnswers answers = AgentAnswers.parse(vm.agentLines());
        for (int retry = 0;
                retry < BOOT_RETRIES && vm.kernelPanicked() && answers.setUp().isEmpty();
                retry++) {
            // a crash before the agent did anything is the emulated machine's, not the scenario's
            vm = machine.run(request);
            answers = AgentAnswers.parse(vm.agentLines());
        }
        unusable(scenario, vm, answers, kernel, testModule.isPresent());
        String name = kernel.name();
        Optional<String> failure = failure(vm, answers, layout, kernel);
        List<String> topology = failure.isPresent() ? List.of() : GuestGroups.differences(layout, answers.groups());
        return new KernelRun(
                scenario.source(),
                kernel,
                KernelLines.of(scenario, layout, answers, name),
                answers,
                topology,
                failure,
                vm.elapsed());
    }

    /** What makes the kernel or guest unusable, said in one line (bad input, not a finding). */
    private static void unusable(
            Scenario scenario, VmResult vm, AgentAnswers answers, Kernel kernel, boolean testModule) {
        String name = "kernel " + kernel.name();
        if (vm.agentLines().stream().noneMatch(l -> l.startsWith("A "))) {
            String why = vm.kernelPanicked()
                    ? "it panicked: " + String.join(" | ", KernelCrash.summary(vm.consoleLog()))
                    : vm.timedOut() ? "nothing within " + vm.elapsed().toSeconds() + " s" : "QEMU: " + firstLine(vm);
            throw new KernelUnusable(name + " (" + kernel.bzImage() + ") does not boot to the guest agent: " + why);
        }
        AgentAnswers.Answer facts = answers.facts().get("kernel");
        if (kernel.iommufd() && facts != null && facts.value("iommufd").equals(Optional.of("0"))) {
            throw new KernelUnusable(
                    name + " (" + kernel.bzImage() + ") has no /dev/iommu: it was built without IOMMUFD");
        }
        AgentAnswers.Answer module = answers.facts().get("kmod");
        if (testModule && module != null && !module.result().equals("ok")) {
            throw new KernelUnusable("the oracle's test module does not load into " + name + ": " + module.result()
                    + moduleMessage(vm.consoleLog()));
        }
        if (answers.hungAt().isPresent() || (vm.timedOut() && !vm.kernelPanicked())) {
            int step = answers.hungAt()
                    .filter(s -> s.matches("[0-9]+"))
                    .map(Integer::parseInt)
                    .orElseGet(() -> answers.steps().keySet().stream()
                                    .mapToInt(Integer::intValue)
                                    .max()
                                    .orElse(0)
                            + 1);
            String op = scenario.steps().stream()
                    .filter(s -> s.number() == step)
                    .map(s -> " (" + s.op() + ")")
                    .findFirst()
                    .orElse(answers.hungAt().isPresent() ? " (set-up)" : "");
            throw new KernelUnusable(scenario.source() + ": the guest hung at step " + step + op + " on " + name
                    + (answers.hungAt().isPresent()
                            ? ": no answer within the agent's per-step limit"
                            : ": the VM did not finish within " + vm.elapsed().toSeconds() + " s"));
        }
    }

    /** The kernel's own words about a module it refused ("Unknown symbol ...", "invalid module format"). */
    private static String moduleMessage(String console) {
        return console.lines()
                .map(l -> l.replaceFirst("^\\[[ 0-9.]+\\] ?", "").strip())
                .filter(l -> l.startsWith("custody_kmod") || l.startsWith("custody-kmod"))
                .findFirst()
                .map(l -> " (" + l + ")")
                .orElse("");
    }

    private static String firstLine(VmResult vm) {
        return vm.qemuLog().lines().findFirst().orElse("exit status " + vm.exitCode());
    }

    private static Optional<String> failure(VmResult vm, AgentAnswers answers, GuestLayout layout, Kernel kernel) {
        if (vm.kernelPanicked()) {
            int last = answers.steps().keySet().stream()
                    .mapToInt(Integer::intValue)
                    .max()
                    .orElse(0);
            return Optional.of("kernel " + kernel.name() + " crashed during step " + (last + 1) + ": "
                    + String.join(" | ", KernelCrash.summary(vm.consoleLog())));
        }
        if (vm.timedOut() || !answers.finished()) {
            String why = vm.timedOut() ? "the VM did not finish in time" : "the guest agent did not finish";
            return Optional.of(why + " (kernel " + kernel.name() + ", QEMU status " + vm.exitCode() + ")"
                    + problems(answers) + "\n" + tail(vm.consoleLog())
                    + (vm.qemuLog().isBlank() ? "" : "\nQEMU: " + vm.qemuLog().strip()));
        }
        if (answers.problems().stream().anyMatch(p -> p.startsWith("step"))) {
            return Optional.of("the guest agent reported problems" + problems(answers));
        }
        return startingDrivers(answers, layout);
    }

    /** The last set-up line is a state of every device: it must show the scenario's boot drivers. */
    private static Optional<String> startingDrivers(AgentAnswers answers, GuestLayout layout) {
        if (answers.setUp().isEmpty()) {
            return Optional.of("the guest agent did not report the starting state");
        }
        AgentAnswers.Answer state = answers.setUp().getLast();
        List<String> wrong = new ArrayList<>();
        for (var node : KernelLines.devices(state, layout)) {
            var spec = layout.topology()
                    .device(new dev.custody.model.DeviceId(node.get("device").asText()));
            String has = node.get("driver").isNull() ? null : node.get("driver").asText();
            String wants = spec.bootDriver().orElse(null);
            if (!java.util.Objects.equals(has, wants)) {
                wrong.add(spec.id() + " has " + has + " instead of " + wants);
            }
        }
        return wrong.isEmpty()
                ? Optional.empty()
                : Optional.of("the guest could not set up the starting drivers: " + String.join("; ", wrong));
    }

    private static String problems(AgentAnswers answers) {
        return answers.problems().isEmpty() ? "" : ": " + String.join("; ", answers.problems());
    }

    private static String tail(String console) {
        List<String> lines = console.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - CONSOLE_TAIL_LINES), lines.size()));
    }
}

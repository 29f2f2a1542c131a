package dev.custody.oracle;

import dev.custody.ops.NotRealisable;
import dev.custody.oracle.vm.Kernel;
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
    private final Path agent;
    private final Duration timeout;

    public KernelRunner(VirtualMachine machine, Path agent, Duration timeout) {
        this.machine = machine;
        this.agent = agent;
        this.timeout = timeout;
    }

    /** Does the scenario need /dev/iommu or VFIO cdevs? */
    public static boolean needsIommufd(Scenario scenario) {
        return scenario.steps().stream().anyMatch(s -> s.op().startsWith("iommufd.") || s.op().startsWith("cdev."));
    }

    public KernelRun run(Scenario scenario, Kernel kernel) throws NotRealisable {
        GuestLayout layout = GuestLayout.of(scenario);
        String script = GuestScript.of(scenario, layout);
        VmResult vm = machine.run(new VmRequest(kernel, layout.qemuArguments(), script, timeout, agent));
        AgentAnswers answers = AgentAnswers.parse(vm.agentLines());
        for (int retry = 0;
                retry < BOOT_RETRIES && vm.kernelPanicked() && answers.setUp().isEmpty();
                retry++) {
            // a crash before the agent did anything is the emulated machine's, not the scenario's
            vm = machine.run(new VmRequest(kernel, layout.qemuArguments(), script, timeout, agent));
            answers = AgentAnswers.parse(vm.agentLines());
        }
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

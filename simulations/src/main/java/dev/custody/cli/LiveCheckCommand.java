package dev.custody.cli;

import dev.custody.crash.LiveCrashCheck;
import dev.custody.oracle.GuestCheckResult;
import dev.custody.oracle.live.LiveCheck;
import dev.custody.oracle.vm.KernelCatalog;
import dev.custody.oracle.vm.OracleFiles;
import dev.custody.output.GuestCheckJson;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code custody oracle live-check}: live host mode against the iommufd kernel, in its VM. */
@Command(
        name = "live-check",
        mixinStandardHelpOptions = true,
        description = {
            "Boots the iommufd kernel with a q35 machine (an emulated IOMMU and two virtio-net functions), a",
            "JDK and Custody, and runs live host mode there: a VFIO user's calls carried out through the engine",
            "with no drift, and a driver unbound behind its back followed within a second (docs/live-host.md).",
            "Exit 0 when every check passed, 1 otherwise."
        })
final class LiveCheckCommand implements Callable<Integer> {
    @Option(
            names = "--timeout",
            defaultValue = "600",
            paramLabel = "SECONDS",
            description = "Longest the VM may run. Default: ${DEFAULT-VALUE}.")
    int timeoutSeconds;

    @Option(
            names = "--json",
            description = "Print one JSON object (kernel, passed, elapsedMillis, the passed and failed checks,"
                    + " summary, diagnosis) instead of the guest's lines.")
    boolean asJson;

    @Option(
            names = "--kill",
            description = "Instead: SIGKILL the engine while it holds a VFIO group, restart it on its journal and"
                    + " check the reconciliation and the group held again.")
    boolean kill;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Path home = OracleFiles.unpacked();
        var kernel = KernelCatalog.standard(home).resolveDefault(true);
        LiveCheck machine = new LiveCheck(home, kernel, Duration.ofSeconds(timeoutSeconds));
        GuestCheckResult result;
        if (kill) {
            List<String> arguments = new ArrayList<>(List.of("drive"));
            arguments.addAll(LiveCheck.addresses());
            arguments.add(LiveCrashCheck.GUEST_JOURNAL);
            result = machine.run(LiveCrashCheck.class.getName(), arguments, LiveCrashCheck.SUMMARY_PREFIX);
        } else {
            result = machine.run();
        }
        if (asJson) {
            out.println(GuestCheckJson.of(kernel.name(), result));
            return result.allPassed() ? OracleCommand.AGREE : OracleCommand.DISAGREE;
        }
        result.lines().forEach(out::println);
        if (!result.allPassed()) {
            System.err.println("custody: the live check did not pass on " + kernel.name() + "\n" + result.diagnosis());
            return OracleCommand.DISAGREE;
        }
        System.err.println("custody: every live check passed on " + kernel.name() + " in "
                + result.vm().elapsed().toMillis() + " ms");
        return OracleCommand.AGREE;
    }
}

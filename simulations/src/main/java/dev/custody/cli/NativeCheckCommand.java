package dev.custody.cli;

import dev.custody.oracle.GuestCheckResult;
import dev.custody.oracle.NativeCheck;
import dev.custody.oracle.vm.KernelCatalog;
import dev.custody.oracle.vm.OracleFiles;
import dev.custody.output.GuestCheckJson;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code custody oracle native-check}: the native module's iommufd backend against the iommufd kernel. */
@Command(
        name = "native-check",
        mixinStandardHelpOptions = true,
        description = {
            "Boots the iommufd kernel with a minimal JDK and runs the native module's self-check of its",
            "/dev/iommu backend (FFM downcalls, uapi layouts) there; prints the guest's PASS/FAIL lines.",
            "The kernel is built on first use. Exit 0 when every check passed, 1 otherwise."
        })
final class NativeCheckCommand implements Callable<Integer> {
    @Option(
            names = "--timeout",
            defaultValue = "300",
            paramLabel = "SECONDS",
            description = "Longest the VM may run. Default: ${DEFAULT-VALUE}.")
    int timeoutSeconds;

    @Option(
            names = "--json",
            description = "Print one JSON object (kernel, passed, elapsedMillis, the passed and failed checks,"
                    + " summary, diagnosis) instead of the guest's lines.")
    boolean asJson;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Path home = OracleFiles.unpacked();
        var kernel = KernelCatalog.standard(home).resolveDefault(true);
        GuestCheckResult result = NativeCheck.standard(home, kernel, Duration.ofSeconds(timeoutSeconds))
                .run();
        if (asJson) {
            out.println(GuestCheckJson.of(kernel.name(), result));
            return result.allPassed() ? OracleCommand.AGREE : OracleCommand.DISAGREE;
        }
        result.lines().forEach(out::println);
        if (!result.allPassed()) {
            System.err.println(
                    "custody: the native self-check did not pass on " + kernel.name() + "\n" + result.diagnosis());
            return OracleCommand.DISAGREE;
        }
        System.err.println("custody: every check passed on " + kernel.name() + " in "
                + result.vm().elapsed().toMillis() + " ms");
        return OracleCommand.AGREE;
    }
}

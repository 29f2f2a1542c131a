package dev.custody.oracle.vm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The oracle's test module ({@code kmod/custody-kmod.c}), which makes the in-kernel IOMMU calls for
 * the guest agent, built by {@code kmod/oracle-kmod.sh} against the kernel it is to load into. A
 * kernel can have it when its build tree for external modules is at hand: the iommufd kernel keeps
 * one beside its bzImage ({@code extmod/}), and a kernel given with its modules directory has one
 * when that directory's {@code build} link leads to it. Other kernels run no in-kernel step.
 */
public final class TestModule {
    /** Where the module lies in the guest's initramfs, and the agent's line that loads it. */
    public static final String GUEST_PATH = "custody-kmod.ko";

    static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);

    private TestModule() {}

    /** The build tree a module for this kernel is built against, if it has one. */
    public static Optional<Path> buildTree(Kernel kernel) {
        Path beside = kernel.bzImage().toAbsolutePath().getParent().resolve("extmod");
        if (Files.isRegularFile(beside.resolve("Module.symvers"))) {
            return Optional.of(beside);
        }
        return kernel.modulesDir()
                .map(dir -> dir.resolve("build"))
                .filter(dir -> Files.isRegularFile(dir.resolve("Module.symvers")));
    }

    /**
     * The module built for {@code kernel} (compiled on first use, then cached), or empty when the
     * kernel has no build tree. A build that fails is an error: the module's source does not build.
     */
    public static Optional<Path> forKernel(Kernel kernel, Path home, Consumer<String> progress) {
        Optional<Path> tree = buildTree(kernel);
        if (tree.isEmpty()) {
            return Optional.empty();
        }
        Path cache =
                kernel.bzImage().toAbsolutePath().getParent().resolve("extmod").equals(tree.get())
                        ? tree.get().getParent().resolve("kmod")
                        : CacheRoot.custody().resolve("kmod").resolve(kernel.release());
        Commands.Output output = Commands.run(
                List.of(
                        "bash",
                        home.resolve(OracleFiles.MODULE_SCRIPT).toString(),
                        tree.get().toString(),
                        cache.toString()),
                home,
                BUILD_TIMEOUT,
                progress);
        if (output.exitCode() != 0) {
            throw new IllegalStateException("the oracle's test module does not build against kernel " + kernel.name()
                    + ": " + output.stderr().strip().replace('\n', ' '));
        }
        List<String> lines = output.stdout().lines().filter(l -> !l.isBlank()).toList();
        Path module = Path.of(lines.isEmpty() ? "" : lines.getLast().strip());
        if (!Files.isRegularFile(module)) {
            throw new IllegalStateException(OracleFiles.MODULE_SCRIPT + " printed no module path");
        }
        return Optional.of(module);
    }

    /** The module as an entry of the guest's initramfs. */
    public static GuestFile inGuest(Path module) {
        return GuestFile.copy(GUEST_PATH, 0644, module);
    }
}

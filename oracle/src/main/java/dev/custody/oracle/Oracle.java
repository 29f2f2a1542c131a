package dev.custody.oracle;

import dev.custody.ops.NotRealisable;
import dev.custody.oracle.vm.BzImage;
import dev.custody.oracle.vm.Kernel;
import dev.custody.oracle.vm.KernelCatalog;
import dev.custody.oracle.vm.TestModule;
import dev.custody.oracle.vm.VirtualMachine;
import dev.custody.scenario.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The oracle as commands use it: picks the kernel for each scenario (the one asked for, else the
 * iommufd kernel when the scenario needs /dev/iommu or VFIO cdevs, else the default one), builds the
 * agent once, runs the scenario in a VM and compares it with the engine.
 */
public final class Oracle {
    public static final String AUTO = "auto";
    /** The kernel with iommufd and VFIO cdevs whatever its version: the one the recorded suite uses. */
    public static final String IOMMUFD = "iommufd";

    private final KernelCatalog catalog;
    private final Path home;
    private final Duration timeout;
    private final String kernelChoice;
    private final Consumer<String> progress;
    /** A kernel the user built, given as an image ({@code --kernel-image}); it replaces the choice. */
    private final Optional<Kernel> image;

    private final Map<Path, Optional<Path>> testModules = new HashMap<>();
    private KernelRunner runner;
    /** The guest's agent: "c" (custody-agent.c) or "java" (HostAgentMain on a guest JVM). */
    private String agent = "c";

    public Oracle(Path home, Duration timeout, String kernelChoice, Consumer<String> progress) {
        this(home, timeout, kernelChoice, progress, Optional.empty());
    }

    private Oracle(
            Path home, Duration timeout, String kernelChoice, Consumer<String> progress, Optional<Kernel> image) {
        this.home = home;
        this.catalog = KernelCatalog.standard(home);
        this.timeout = timeout;
        this.kernelChoice = kernelChoice;
        this.progress = progress;
        this.image = image;
    }

    /**
     * The oracle on a kernel the user built: {@code bzImage}, and optionally the modules directory
     * of its drivers ({@code /lib/modules/<release>} as {@code make modules_install} writes it, with
     * {@code modules.dep}; its {@code build} link, when it leads to the build tree, lets the oracle
     * build its test module for the in-kernel calls). It is taken to have iommufd; one without is
     * refused when it boots.
     */
    public static Oracle withImage(
            Path home, Duration timeout, Path bzImage, Optional<Path> modules, Consumer<String> progress) {
        if (!Files.isRegularFile(bzImage)) {
            throw new IllegalArgumentException("--kernel-image " + bzImage + " is not a file");
        }
        if (modules.isPresent() && !Files.isRegularFile(modules.get().resolve("modules.dep"))) {
            throw new IllegalArgumentException(
                    "--modules " + modules.get() + " has no modules.dep (run depmod, or give /lib/modules/<release>)");
        }
        String release = BzImage.release(bzImage).orElse("unknown");
        Kernel kernel = new Kernel("image-" + release, release, bzImage.toAbsolutePath(), modules, true);
        return new Oracle(home, timeout, IOMMUFD, progress, Optional.of(kernel));
    }

    /**
     * The same oracle with {@code agent} ("c" or "java") performing the scripts in the guest; the
     * Java one is the host agent of the native module, so its answers can be checked against the C
     * agent's on the same corpus.
     */
    public Oracle withAgent(String agent) {
        if (!agent.equals("c") && !agent.equals("java")) {
            throw new IllegalArgumentException("--agent is c or java, not " + agent);
        }
        this.agent = agent;
        this.runner = null;
        return this;
    }

    public List<KernelCatalog.Entry> kernels() {
        return catalog.list();
    }

    public Kernel kernelFor(Scenario scenario) {
        if (image.isPresent()) {
            return image.get();
        }
        if (kernelChoice.equals(IOMMUFD)) {
            return catalog.resolveDefault(true, progress);
        }
        if (!kernelChoice.equals(AUTO)) {
            return catalog.resolve(kernelChoice, progress);
        }
        return catalog.resolveDefault(KernelRunner.needsIommufd(scenario), progress);
    }

    public KernelRun run(Scenario scenario) throws NotRealisable {
        // what the VM cannot do is known before any kernel is chosen, let alone built
        GuestLayout layout = GuestLayout.of(scenario);
        GuestScript.of(scenario, layout);
        Kernel kernel = kernelFor(scenario);
        if (KernelRunner.needsIommufd(scenario) && !kernel.iommufd()) {
            throw new NotRealisable(scenario.source() + ": uses iommufd or VFIO cdevs, which kernel " + kernel.name()
                    + " does not have");
        }
        Optional<Path> module = testModule(kernel);
        if (KernelRunner.needsTestModule(scenario) && module.isEmpty()) {
            throw new NotRealisable(scenario.source() + ": makes in-kernel calls, which the oracle's test module"
                    + " makes; kernel " + kernel.name() + " has no build tree to build it against");
        }
        if (layout.usesTestModule() && module.isEmpty()) {
            throw new NotRealisable(scenario.source() + ": uses drivers the guest plays with the oracle's test"
                    + " module; kernel " + kernel.name() + " has no build tree to build it against");
        }
        return runner().run(scenario, kernel, module);
    }

    /** The test module for the kernel, built once per kernel and run of the oracle. */
    private Optional<Path> testModule(Kernel kernel) {
        return testModules.computeIfAbsent(kernel.bzImage(), k -> TestModule.forKernel(kernel, home, progress));
    }

    /** Runs the scenario in the VM and compares it with the engine; skipped files say why. */
    public FileComparison compare(Scenario scenario) {
        KernelRun run;
        try {
            run = run(scenario);
        } catch (NotRealisable why) {
            return FileComparison.notRealisable(scenario.source(), why.getMessage());
        }
        return compare(scenario, run);
    }

    /** Compares a kernel run already made (for --record, which needs the run itself too). */
    public static FileComparison compare(Scenario scenario, KernelRun run) {
        if (!run.usable()) {
            return FileComparison.failed(
                    scenario.source(), run.kernel().name(), run.failure().orElseThrow());
        }
        return Comparison.of(scenario, EngineLines.of(scenario), run);
    }

    private KernelRunner runner() {
        if (runner == null) {
            runner = new KernelRunner(new VirtualMachine(), GuestAgent.named(agent, home), timeout);
        }
        return runner;
    }
}

package dev.custody.oracle;

import dev.custody.ops.NotRealisable;
import dev.custody.oracle.vm.AgentBinary;
import dev.custody.oracle.vm.Kernel;
import dev.custody.oracle.vm.KernelCatalog;
import dev.custody.oracle.vm.VirtualMachine;
import dev.custody.scenario.Scenario;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    private KernelRunner runner;

    public Oracle(Path home, Duration timeout, String kernelChoice, Consumer<String> progress) {
        this.home = home;
        this.catalog = KernelCatalog.standard(home);
        this.timeout = timeout;
        this.kernelChoice = kernelChoice;
        this.progress = progress;
    }

    public List<KernelCatalog.Entry> kernels() {
        return catalog.list();
    }

    public Kernel kernelFor(Scenario scenario) {
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
        GuestScript.of(scenario, GuestLayout.of(scenario));
        Kernel kernel = kernelFor(scenario);
        if (KernelRunner.needsIommufd(scenario) && !kernel.iommufd()) {
            throw new NotRealisable(scenario.source() + ": uses iommufd or VFIO cdevs, which kernel " + kernel.name()
                    + " does not have");
        }
        return runner().run(scenario, kernel);
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
            Path agent = AgentBinary.standard().build(AgentBinary.defaultSource(home));
            runner = new KernelRunner(new VirtualMachine(), agent, timeout);
        }
        return runner;
    }
}

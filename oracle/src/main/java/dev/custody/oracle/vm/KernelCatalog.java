package dev.custody.oracle.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The kernels {@code custody oracle} can boot: every distribution kernel in {@code /boot} whose
 * modules are installed (the VFIO and device drivers are modules there and go into the initramfs),
 * and the iommufd kernel, which is listed even before it is built because resolving it builds it.
 * The roots are parameters so tests can use a fake {@code /boot} tree.
 */
public final class KernelCatalog {
    static final String DEBIAN_PREFIX = "debian-";

    private final Path bootDir;
    private final Path modulesRoot;
    private final IommufdKernel iommufd;

    public KernelCatalog(Path bootDir, Path modulesRoot, IommufdKernel iommufd) {
        this.bootDir = bootDir;
        this.modulesRoot = modulesRoot;
        this.iommufd = iommufd;
    }

    /** This machine's catalog: {@code /boot}, {@code /lib/modules} and the iommufd kernel of {@code home}. */
    public static KernelCatalog standard(Path home) {
        return new KernelCatalog(Path.of("/boot"), Path.of("/lib/modules"), IommufdKernel.standard(home));
    }

    /**
     * One line of {@code custody oracle kernels}.
     *
     * @param kernel present when it can be booted now (a distribution kernel, or the iommufd kernel
     *               once built)
     * @param state  for people: {@code installed: <path>}, {@code built: <path>}, {@code not built yet...}
     */
    public record Entry(String name, boolean iommufd, String state, Optional<Kernel> kernel) {}

    /** Distribution kernels, newest release first, then the iommufd kernel. */
    public List<Entry> list() {
        List<Entry> entries = new ArrayList<>();
        for (Kernel kernel : distributionKernels()) {
            entries.add(
                    new Entry(kernel.name(), kernel.iommufd(), "installed: " + kernel.bzImage(), Optional.of(kernel)));
        }
        entries.add(iommufdEntry());
        return entries;
    }

    /** {@link #resolve(String, Consumer)} with the build's progress on stderr. */
    public Kernel resolve(String name) {
        return resolve(name, System.err::println);
    }

    /** {@link #resolveDefault(boolean, Consumer)} with the build's progress on stderr. */
    public Kernel resolveDefault(boolean needIommufd) {
        return resolveDefault(needIommufd, System.err::println);
    }

    /**
     * The kernel named {@code name}, building the iommufd kernel when that is the one asked for and it
     * is not built yet (its progress goes to {@code progress}).
     */
    public Kernel resolve(String name, Consumer<String> progress) {
        for (Kernel kernel : distributionKernels()) {
            if (kernel.name().equals(name)) {
                return kernel;
            }
        }
        if (iommufd.name().equals(name)) {
            return iommufd.build(progress);
        }
        throw new IllegalArgumentException("no kernel named " + name + "; the kernels are: "
                + String.join(", ", list().stream().map(Entry::name).toList()));
    }

    /**
     * The kernel to use when the user names none. With {@code needIommufd} that is the iommufd
     * kernel (built on first use). Otherwise a distribution kernel is preferred, because it needs no
     * build: the one the host runs if installed, else the newest; without any, the iommufd kernel.
     */
    public Kernel resolveDefault(boolean needIommufd, Consumer<String> progress) {
        if (needIommufd) {
            return distributionKernels().stream()
                    .filter(Kernel::iommufd)
                    .findFirst()
                    .orElseGet(() -> iommufd.build(progress));
        }
        List<Kernel> distribution = distributionKernels();
        String running = System.getProperty("os.version");
        return distribution.stream()
                .filter(k -> k.release().equals(running))
                .findFirst()
                .or(() -> distribution.stream().findFirst())
                .orElseGet(() -> iommufd.build(progress));
    }

    private Entry iommufdEntry() {
        Optional<Kernel> built = iommufd.ifBuilt();
        String state;
        if (built.isPresent()) {
            state = "built: " + built.get().bzImage();
        } else if (iommufd.buildUnderWay().isPresent()) {
            state = "being built now: see " + iommufd.buildUnderWay().get();
        } else if (!iommufd.sourceAvailable()) {
            state = "unavailable: install Debian's " + IommufdKernel.PACKAGE + " to build it";
        } else {
            state = "not built yet: built on first use (~6-15 min)";
        }
        return new Entry(iommufd.name(), true, state, built);
    }

    /** Every {@code vmlinuz-<release>} with a {@code <modulesRoot>/<release>/modules.dep}, newest first. */
    List<Kernel> distributionKernels() {
        if (!Files.isDirectory(bootDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(bootDir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("vmlinuz-") && Files.isRegularFile(f))
                    .map(this::distributionKernel)
                    .flatMap(Optional::stream)
                    .sorted(Comparator.comparing(Kernel::release, KernelCatalog::compareReleases)
                            .reversed())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + bootDir, e);
        }
    }

    private Optional<Kernel> distributionKernel(Path vmlinuz) {
        String release = vmlinuz.getFileName().toString().substring("vmlinuz-".length());
        Path modules = modulesRoot.resolve(release);
        if (!Files.isRegularFile(modules.resolve("modules.dep"))) {
            return Optional.empty();
        }
        return Optional.of(new Kernel(
                DEBIAN_PREFIX + release,
                release,
                vmlinuz,
                Optional.of(modules),
                configHasIommufd(bootDir.resolve("config-" + release))));
    }

    /** Debian ships the build config beside the image; iommufd needs both IOMMUFD and VFIO_DEVICE_CDEV. */
    static boolean configHasIommufd(Path config) {
        if (!Files.isRegularFile(config)) {
            return false;
        }
        try (Stream<String> lines = Files.lines(config)) {
            List<String> set = lines.filter(l -> l.equals("CONFIG_IOMMUFD=y") || l.equals("CONFIG_VFIO_DEVICE_CDEV=y"))
                    .toList();
            return set.size() == 2;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Compares releases by their numeric parts ("6.12.1" after "6.9.3"), then as text. */
    static int compareReleases(String a, String b) {
        String[] left = a.split("[^0-9]+");
        String[] right = b.split("[^0-9]+");
        for (int i = 0; i < Math.min(left.length, right.length); i++) {
            if (left[i].isEmpty() || right[i].isEmpty()) {
                continue;
            }
            int c = new java.math.BigInteger(left[i]).compareTo(new java.math.BigInteger(right[i]));
            if (c != 0) {
                return c;
            }
        }
        int c = Integer.compare(left.length, right.length);
        return c != 0 ? c : a.compareTo(b);
    }
}

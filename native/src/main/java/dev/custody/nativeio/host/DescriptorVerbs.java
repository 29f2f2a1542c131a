package dev.custody.nativeio.host;

import static dev.custody.nativeio.host.HostContext.values;

import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.libc.LibcSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Opening and closing the files behind names (VFIO's container, a VFIO group, /dev/iommu, a device's
 * cdev), what the kernel offers ("kernel"), and loading a module ("load-kmod").
 */
final class DescriptorVerbs {
    /** A close is what a blocked unbind waits for: its completion gets this long to arrive. */
    static final Duration CLOSE_PATIENCE = Duration.ofMillis(1500);

    private final HostContext host;
    private final List<AgentCompletion> seenAtClose;

    DescriptorVerbs(HostContext host, List<AgentCompletion> seenAtClose) {
        this.host = host;
        this.seenAtClose = seenAtClose;
    }

    List<Verb> verbs() {
        return List.of(
                new Verb("open", 2, this::open),
                new Verb("close", 1, this::close),
                new Verb("kernel", 0, (step, args) -> kernel(step)),
                new Verb("load-kmod", 1, this::loadModule));
    }

    /** open NAME container|iommufd|vfio-group DEVICE|cdev DEVICE. */
    private AgentAnswer open(String step, List<String> args) {
        AgentName name = host.names.of(args.get(0));
        String kind = args.get(1);
        Path path;
        int err = 0;
        switch (kind) {
            case "container" -> path = host.paths.device("vfio/vfio");
            case "iommufd" -> path = host.paths.device("iommu");
            case "vfio-group" -> {
                if (args.size() < 3) {
                    return unknownKind(step, kind);
                }
                Path link = host.paths.deviceFile(args.get(2), "iommu_group");
                path = host.paths.device("vfio");
                try {
                    path = path.resolve(
                            Files.readSymbolicLink(link).getFileName().toString());
                } catch (IOException e) {
                    err = Errnos.number(e);
                }
            }
            case "cdev" -> {
                if (args.size() < 3) {
                    return unknownKind(step, kind);
                }
                name.device = args.get(2);
                Optional<Path> cdev = cdevPath(args.get(2));
                path = cdev.orElse(host.paths.dev());
                err = cdev.isPresent() ? 0 : Errnos.ENOENT;
            }
            default -> {
                return unknownKind(step, kind);
            }
        }
        if (err == 0) {
            int fd = Libc.open(path.toString(), Libc.O_RDWR | Libc.O_CLOEXEC);
            name.fd = fd < 0 ? -1 : fd;
            err = fd < 0 ? -fd : 0;
        }
        return host.result(step, err);
    }

    private static AgentAnswer unknownKind(String step, String kind) {
        return new AgentAnswer.Problem(step, "step " + step + ": open of unknown kind " + kind);
    }

    /** The /dev/vfio/devices node of a device bound to a VFIO driver, from its vfio-dev directory. */
    private Optional<Path> cdevPath(String device) {
        try (Stream<Path> entries = Files.list(host.paths.deviceFile(device, "vfio-dev"))) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("vfio"))
                    .findFirst()
                    .map(n -> host.paths.device("vfio/devices").resolve(n));
        } catch (IOException missing) {
            return Optional.empty();
        }
    }

    private AgentAnswer close(String step, List<String> args) {
        Optional<AgentName> found = host.names.find(args.get(0));
        int err;
        if (found.isEmpty() || found.get().fd < 0) {
            err = 9; // EBADF
        } else {
            AgentName name = found.get();
            int closed = Libc.close(name.fd);
            err = closed < 0 ? -closed : 0;
            name.fd = -1;
            name.devid = 0; // a cdev's device object dies with its fd
            name.pt = 0;
            if (closed == 0) {
                host.owners.closed(name.label); // an iommufd's IOAS and a container's maps go with the file
            }
        }
        AgentAnswer answer = host.result(step, err);
        if (host.writes.pendingCount() > 0) {
            seenAtClose.addAll(host.writes.collect(step, CLOSE_PATIENCE));
        }
        return answer;
    }

    /** What the kernel offers: iommufd, VFIO's container, the test module's device. */
    private AgentAnswer kernel(String step) {
        return host.result(
                step,
                0,
                values(
                        "iommufd", exists("iommu"),
                        "container", exists("vfio/vfio"),
                        "kmod", exists(dev.custody.nativeio.uapi.CustodyKmod.DEVICE)));
    }

    private String exists(String node) {
        return Files.exists(host.paths.device(node)) ? "1" : "0";
    }

    /** load-kmod PATH: a module loaded from its file; one already loaded (EEXIST) counts as loaded. */
    private AgentAnswer loadModule(String step, List<String> args) {
        return host.result(step, loadModule(args.get(0)));
    }

    /** @return 0 or the errno of the open or the load */
    static int loadModule(String path) {
        int fd = Libc.open(path, Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (fd < 0) {
            return -fd;
        }
        int loaded = LibcSystem.finitModule(fd);
        Libc.close(fd);
        return loaded == 0 || loaded == -17 ? 0 : -loaded; // EEXIST: already there
    }
}

package dev.custody.nativeio.host;

import dev.custody.nativeio.libc.ErrnoNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The oracle guest's drivers: the modules listed in its load order, one path a line, loaded in
 * that order; then a wait for the PCI bus to settle, since devices appear asynchronously after
 * their drivers load.
 */
public final class GuestModules {
    static final Duration SETTLE_LIMIT = Duration.ofSeconds(5);
    static final Duration SETTLE_POLL = Duration.ofMillis(100);

    private GuestModules() {}

    /** Loads each module of {@code order}; returns what failed, as "module PATH: ERRNO". */
    public static List<String> load(Path order) {
        List<String> problems = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(order);
        } catch (IOException noOrder) {
            return problems; // no load order: a kernel with everything built in
        }
        for (String line : lines) {
            String module = line.strip();
            if (module.isEmpty()) {
                continue;
            }
            int err = DescriptorVerbs.loadModule(module);
            if (err != 0) {
                problems.add("module " + module + ": " + ErrnoNames.of(err));
            }
        }
        return problems;
    }

    /** Waits until the kernel has its first IOMMU group, at most {@link #SETTLE_LIMIT}. */
    public static void settle(HostPaths paths) throws InterruptedException {
        Path first = paths.sysfs().resolve("kernel/iommu_groups/0");
        for (long waited = 0;
                waited < SETTLE_LIMIT.toMillis() && !Files.exists(first);
                waited += SETTLE_POLL.toMillis()) {
            Thread.sleep(SETTLE_POLL); // the kernel announces the group through sysfs only
        }
    }
}

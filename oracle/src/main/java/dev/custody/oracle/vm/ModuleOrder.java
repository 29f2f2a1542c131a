package dev.custody.oracle.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which module files a distribution kernel's initramfs must carry, and in what order the agent loads
 * them: each wanted module after its dependencies, from {@code modules.dep} (the guest has no modprobe).
 * A wanted module that is built in ({@code modules.builtin}) needs no file; one the kernel does not
 * have at all is skipped and reported, because the agent only needs the drivers the scenario's
 * devices use.
 *
 * <p>Module names compare with '-' and '_' equal, as the kernel does ({@code virtio_rng} is
 * {@code virtio-rng.ko}).
 */
public final class ModuleOrder {
    private ModuleOrder() {}

    /**
     * The result.
     *
     * @param load    module paths relative to the modules directory, dependencies first
     * @param builtin wanted modules the kernel has built in
     * @param missing wanted modules the kernel has neither as a file nor built in
     */
    public record Plan(List<String> load, List<String> builtin, List<String> missing) {}

    /** Plans the loading of {@code wanted} from the kernel's {@code modules.dep} and {@code modules.builtin}. */
    public static Plan resolve(Path modulesDir, List<String> wanted) {
        Map<String, List<String>> deps = new HashMap<>();
        Map<String, String> pathByName = new HashMap<>();
        for (String line : lines(modulesDir.resolve("modules.dep"), true)) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String path = line.substring(0, colon).strip();
            String rest = line.substring(colon + 1).strip();
            deps.put(path, rest.isEmpty() ? List.of() : List.of(rest.split("\\s+")));
            pathByName.put(normalise(path), path);
        }
        Set<String> builtinNames = new HashSet<>();
        for (String line : lines(modulesDir.resolve("modules.builtin"), false)) {
            if (!line.isBlank()) {
                builtinNames.add(normalise(line.strip()));
            }
        }
        LinkedHashSet<String> order = new LinkedHashSet<>();
        List<String> builtin = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String module : wanted) {
            String name = normalise(module);
            String path = pathByName.get(name);
            if (path != null) {
                visit(path, deps, order, new HashSet<>());
            } else if (builtinNames.contains(name)) {
                builtin.add(module);
            } else {
                missing.add(module);
            }
        }
        return new Plan(List.copyOf(order), List.copyOf(builtin), List.copyOf(missing));
    }

    /** Depth first, dependencies before the module; modules.dep lists them so that the last loads first. */
    private static void visit(
            String path, Map<String, List<String>> deps, LinkedHashSet<String> order, Set<String> onPath) {
        if (order.contains(path)) {
            return;
        }
        if (!onPath.add(path)) {
            throw new IllegalStateException("modules.dep has a dependency cycle through " + path);
        }
        List<String> direct = deps.getOrDefault(path, List.of());
        for (int i = direct.size() - 1; i >= 0; i--) {
            visit(direct.get(i), deps, order, onPath);
        }
        onPath.remove(path);
        order.add(path);
    }

    /** "kernel/drivers/char/hw_random/virtio-rng.ko" and "virtio_rng" both become "virtio_rng". */
    static String normalise(String moduleOrPath) {
        String name = moduleOrPath.substring(moduleOrPath.lastIndexOf('/') + 1);
        int ko = name.indexOf(".ko");
        if (ko >= 0) {
            name = name.substring(0, ko);
        }
        return name.replace('-', '_');
    }

    private static List<String> lines(Path file, boolean required) {
        if (!Files.isRegularFile(file)) {
            if (required) {
                throw new IllegalStateException(
                        file + " is missing; the kernel's modules are not installed (or run depmod)");
            }
            return List.of();
        }
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.custody.oracle.vm;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the oracle keeps what it builds once per machine (the iommufd kernel, the compiled agent,
 * the extracted uapi headers): {@code ${XDG_CACHE_HOME:-$HOME/.cache}/custody}, the same root
 * the oracle's kernel build script uses, so a kernel built by the script is found from Java and the
 * other way round. Nothing is cached inside the repository.
 */
public final class CacheRoot {
    private CacheRoot() {}

    /** The custody cache root for this user. */
    public static Path custody() {
        return custody(System.getenv());
    }

    static Path custody(Map<String, String> env) {
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "custody");
        }
        // The script uses $HOME; the JVM's user.home is the fallback when HOME is unset.
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home, ".cache", "custody");
    }

    /** The kernels directory; {@code CUSTODY_KERNEL_CACHE} overrides it exactly as in the script. */
    public static Path kernels() {
        return kernels(System.getenv());
    }

    static Path kernels(Map<String, String> env) {
        String override = env.get("CUSTODY_KERNEL_CACHE");
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        return custody(env).resolve("kernels");
    }
}

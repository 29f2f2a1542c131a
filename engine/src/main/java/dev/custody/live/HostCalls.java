package dev.custody.live;

import dev.custody.nativeio.host.MappedMemory;
import java.util.Map;
import java.util.Optional;

/**
 * What performs the guest agent's lines on the live host: the native module's FFM agent on a real host,
 * a fake in tests. One line at a time, from the coordinator's thread.
 */
@FunctionalInterface
public interface HostCalls {

    /**
     * The kernel's answer to one line: {@code result} "ok", an errno's name, "PENDING" (a sysfs write
     * still blocked in the kernel) or "WARN" (it succeeded and the kernel logged a warning meanwhile),
     * and the values the call printed ({@code devid=3}).
     */
    record Answer(String result, Map<String, String> values) {
        public Answer {
            values = Map.copyOf(values);
        }
    }

    /** Performs {@code line} ("VERB ARGS...", as the operation catalogue renders it) as step {@code step}. */
    Answer perform(String step, String line);

    /**
     * A duplicate (close-on-exec) of the real descriptor behind an object's name ({@code f7}), to hand
     * to the process of the file's holder; the caller closes it. May be called from any thread.
     *
     * @return the duplicate, or -errno: EBADF when nothing real is held behind the name (the default:
     *     a stand-in for the kernel holds no descriptors)
     */
    default int duplicate(String name) {
        return -EBADF;
    }

    /**
     * Takes {@code fd} as the real descriptor behind a name that has none: a descriptor given back by the
     * holder's process it was handed to, after the engine restarted (its own went with the previous
     * process). From the thread of the request that gave it back. On success the callee owns {@code fd};
     * on failure the caller still does.
     *
     * @return 0, or -errno: EEXIST when the name has a descriptor, EOPNOTSUPP (the default) when nothing
     *     real is held here
     */
    default int adopt(String name, int fd) {
        return -EOPNOTSUPP;
    }

    /**
     * The host's own view of the bytes that the IOAS or container named {@code name} maps at {@code iova}
     * (the memory allocated for the map and pinned by the kernel); empty when none covers the range (the
     * default: a stand-in for the kernel maps nothing). May be called from any thread.
     */
    default Optional<MappedMemory> mapped(String name, long iova, long length) {
        return Optional.empty();
    }

    /** The errno of a name with no descriptor behind it. */
    int EBADF = 9;

    /** The errno of a host that holds no real descriptors. */
    int EOPNOTSUPP = 95;
}

package dev.custody.nativeio.host;

import dev.custody.nativeio.libc.ErrnoNames;
import dev.custody.nativeio.libc.Libc;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.SequencedMap;

/**
 * What the verbs share: where the kernel is, the names, the pending writes, the kernel log, the user
 * memory and which IOAS or container owns each part of it.
 */
final class HostContext {
    final HostPaths paths;
    final AgentNames names = new AgentNames();
    final SysfsWrites writes = new SysfsWrites();
    final UserMemory memory = new UserMemory();
    final IoasAreas areas = new IoasAreas();
    final MapOwners owners = new MapOwners(memory, areas::forget);
    final KernelLog kernelLog;

    HostContext(HostPaths paths) {
        this.paths = paths;
        this.kernelLog = new KernelLog(paths);
    }

    /**
     * Whose maps the maps through a name are: an IOAS's (its iommufd's name and its id), or else the
     * name's own, as a VFIO container's.
     */
    MapOwners.Owner owner(String label) {
        return names.find(label)
                .filter(n -> n.id != 0 && n.ictx != null)
                .map(n -> new MapOwners.Owner(n.ictx.label, n.id))
                .orElse(MapOwners.Owner.container(label));
    }

    /** A call's answer: WARN when it succeeded but the kernel warned meanwhile, else ok with the values or the errno's name. */
    AgentAnswer.Result result(String step, int err, SequencedMap<String, String> values) {
        if (kernelLog.warned() && err == 0) {
            return AgentAnswer.result(step, "WARN", new LinkedHashMap<>());
        }
        return err == 0
                ? AgentAnswer.result(step, "ok", values)
                : AgentAnswer.result(step, ErrnoNames.of(err), new LinkedHashMap<>());
    }

    AgentAnswer.Result result(String step, int err) {
        return result(step, err, new LinkedHashMap<>());
    }

    /** The answer to writes: PENDING for ones still blocked, else as {@link #result}. */
    AgentAnswer.Result written(String step, int err, SequencedMap<String, String> values) {
        return err == SysfsWrites.PENDING
                ? AgentAnswer.result(step, "PENDING", new LinkedHashMap<>())
                : result(step, err, values);
    }

    AgentAnswer.Result written(String step, int err) {
        return written(step, err, new LinkedHashMap<>());
    }

    /** ioctl's answer as an errno: 0 on success. */
    static int ioctlErrno(int fd, long request, MemorySegment argument) {
        int result = Libc.ioctl(fd, request, argument);
        return result < 0 ? -result : 0;
    }

    static SequencedMap<String, String> values(String... keysAndValues) {
        SequencedMap<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            values.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return values;
    }
}

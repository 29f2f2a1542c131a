package dev.custody.nativeio.host;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The names lines have used, in the order they were first used, and the descriptors they stand for. */
final class AgentNames {
    /**
     * A descriptor number the process never has open: what a closed or never-opened name stands
     * for, so the kernel answers as it does for a stale fd (EBADF), not as for a negative one.
     */
    static final int CLOSED_FD = 1000;

    private final Map<String, AgentName> names = new LinkedHashMap<>();

    Optional<AgentName> find(String label) {
        return Optional.ofNullable(names.get(label));
    }

    /** The entry for a label, created empty when a line names it for the first time. */
    AgentName of(String label) {
        return names.computeIfAbsent(label, AgentName::new);
    }

    /**
     * The descriptor a label stands for. A negative number that is no name is passed as itself, as a
     * program would pass it: the kernel refuses it before it looks up any fd (BIND_IOMMUFD answers
     * EINVAL for iommufd &lt; 0, not EBADF).
     */
    int fd(String label) {
        AgentName name = names.get(label);
        if (name != null && name.fd >= 0) {
            return name.fd;
        }
        if (name == null && label.matches("-[0-9]+")) {
            try {
                return Integer.parseInt(label);
            } catch (NumberFormatException tooLong) {
                return Integer.MIN_VALUE; // strtol would clamp; any negative fd gets the same answer
            }
        }
        return CLOSED_FD;
    }

    List<AgentName> all() {
        return new ArrayList<>(names.values());
    }
}

package dev.custody.sim;

import java.lang.management.ManagementFactory;

/** The CPU time this process has used so far, all threads together; 0 where the platform cannot tell. */
final class ProcessCpu {
    private ProcessCpu() {}

    static long nanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(0, os.getProcessCpuTime());
        }
        return 0;
    }
}

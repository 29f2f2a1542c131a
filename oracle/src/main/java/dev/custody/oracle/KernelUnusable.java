package dev.custody.oracle;

/**
 * The kernel or the guest cannot be used at all: the image does not boot to the agent, lacks
 * iommufd, the test module does not load, or a step hangs. Not a finding about a scenario but bad
 * input to the oracle; the command line says it in one line and exits 2.
 */
public final class KernelUnusable extends IllegalStateException {
    public KernelUnusable(String message) {
        super(message.replace('\n', ' '));
    }
}

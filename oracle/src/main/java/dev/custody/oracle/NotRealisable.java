package dev.custody.oracle;

/**
 * A scenario asks for something the VM cannot provide (an in-kernel call, a second IOMMU, a driver
 * the guest kernel does not have). The message names the file, and the step or device, and why.
 */
public final class NotRealisable extends Exception {
    public NotRealisable(String message) {
        super(message);
    }
}

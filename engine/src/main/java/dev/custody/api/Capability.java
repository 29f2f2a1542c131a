package dev.custody.api;

/**
 * Something the engine handed out that proves who holds it: an open file (which may own a group),
 * an IOAS, a HWPT, a domain, an in-kernel caller's DMA claim. Only the engine can make one (the
 * constructors are not public), and an engine refuses capabilities another engine made (EBADF), so
 * holding one is the only way to use, release or replace what it stands for (docs/capabilities.md).
 * Its identity is the proof: the numbers inside (file, domain, object ids) are never taken from a
 * caller.
 */
public abstract sealed class Capability
        permits VfioGroupFd,
                VfioContainerFd,
                VfioDeviceFd,
                IommufdFd,
                CdevFd,
                IoasRef,
                HwptRef,
                DomainRef,
                DmaOwner,
                DefaultDomainUse {
    private final Object issuer;
    private final String label;

    Capability(Object issuer, String label) {
        this.issuer = issuer;
        this.label = label;
    }

    boolean issuedBy(Object engine) {
        return issuer == engine;
    }

    /** The name it was opened or allocated under, for messages and logs. */
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + label + ")";
    }
}

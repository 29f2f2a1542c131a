package dev.custody.nativeio.uapi;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * The oracle's test module's interface (kmod/custody-kmod.h): one {@code _IOWR('C', op, struct
 * custody_kmod_call)} request per in-kernel IOMMU call, on {@code /dev/custody-kmod}.
 */
public final class CustodyKmod {
    public static final String DEVICE = "custody-kmod";
    /** CUSTODY_KMOD_NAME: the size of each name field, its NUL included. */
    public static final int NAME = 128;

    static final int TYPE = 'C';

    /** enum custody_kmod_op, in its order from 1. */
    public static final int USE_DEFAULT_DOMAIN = 1;

    public static final int UNUSE_DEFAULT_DOMAIN = 2;
    public static final int GROUP_CLAIM = 3;
    public static final int GROUP_RELEASE = 4;
    public static final int DEVICE_CLAIM = 5;
    public static final int DEVICE_RELEASE = 6;
    public static final int DOMAIN_ALLOC = 7;
    public static final int DOMAIN_FREE = 8;
    public static final int ATTACH_DEVICE = 9;
    public static final int DETACH_DEVICE = 10;
    public static final int ATTACH_GROUP = 11;
    public static final int DETACH_GROUP = 12;
    public static final int REPLACE_DOMAIN = 13;
    public static final int ATTACH_SHARED = 14;
    public static final int DETACH_SHARED = 15;
    public static final int MAP = 16;
    public static final int UNMAP = 17;
    public static final int IOVA_TO_PHYS = 18;
    public static final int FAIL_NEXT_PROBE = 19;

    private CustodyKmod() {}

    /** CUSTODY_KMOD_IOCTL(op). */
    public static long request(int op) {
        return Ioctl.iowr(TYPE, op, Call.LAYOUT.byteSize());
    }

    /** struct custody_kmod_call. */
    public static final class Call {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        MemoryLayout.sequenceLayout(NAME, JAVA_BYTE).withName("device"),
                        MemoryLayout.sequenceLayout(NAME, JAVA_BYTE).withName("owner"),
                        MemoryLayout.sequenceLayout(NAME, JAVA_BYTE).withName("domain"),
                        JAVA_LONG.withName("iova"),
                        JAVA_LONG.withName("paddr"),
                        JAVA_LONG.withName("size"),
                        JAVA_INT.withName("prot"),
                        JAVA_INT.withName("error"),
                        JAVA_LONG.withName("out"))
                .withName("custody_kmod_call");
        public static final long DEVICE = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("device"));
        public static final long OWNER = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("owner"));
        public static final long DOMAIN = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("domain"));
        public static final VarHandle IOVA = Uapi.field(LAYOUT, "iova");
        public static final VarHandle PADDR = Uapi.field(LAYOUT, "paddr");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");
        public static final VarHandle PROT = Uapi.field(LAYOUT, "prot");
        public static final VarHandle ERROR = Uapi.field(LAYOUT, "error");
        public static final VarHandle OUT = Uapi.field(LAYOUT, "out");

        private Call() {}
    }
}

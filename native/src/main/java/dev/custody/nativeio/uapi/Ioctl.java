package dev.custody.nativeio.uapi;

/**
 * Request numbers as the kernel's {@code _IOC} macros build them (include/uapi/asm-generic/ioctl.h,
 * which x86-64 uses unchanged): 8 bits of number, 8 of type, 14 of argument size, 2 of direction.
 */
public final class Ioctl {

    public static final int NONE = 0;
    public static final int WRITE = 1;
    public static final int READ = 2;

    static final int NR_BITS = 8;
    static final int TYPE_BITS = 8;
    static final int SIZE_BITS = 14;
    static final int NR_SHIFT = 0;
    static final int TYPE_SHIFT = NR_SHIFT + NR_BITS;
    static final int SIZE_SHIFT = TYPE_SHIFT + TYPE_BITS;
    static final int DIR_SHIFT = SIZE_SHIFT + SIZE_BITS;

    private Ioctl() {}

    /**
     * {@code _IOC(dir, type, nr, size)}. The result is an unsigned 32-bit value widened to a long,
     * as ioctl's {@code unsigned long request} receives it (no sign extension of the read bit).
     */
    public static long ioc(int direction, int type, int nr, long size) {
        if ((direction & ~3) != 0 || (type & ~0xff) != 0 || (nr & ~0xff) != 0 || (size >>> SIZE_BITS) != 0) {
            throw new IllegalArgumentException(
                    "ioctl field out of range: dir " + direction + " type " + type + " nr " + nr + " size " + size);
        }
        return ((long) direction << DIR_SHIFT)
                | ((long) type << TYPE_SHIFT)
                | ((long) nr << NR_SHIFT)
                | (size << SIZE_SHIFT);
    }

    /** {@code _IO(type, nr)}: no argument size encoded (iommufd and VFIO size their structs themselves). */
    public static long io(int type, int nr) {
        return ioc(NONE, type, nr, 0);
    }

    /** {@code _IOR(type, nr, T)}: the kernel writes a {@code size}-byte argument. */
    public static long ior(int type, int nr, long size) {
        return ioc(READ, type, nr, size);
    }

    /** {@code _IOW(type, nr, T)}: the kernel reads a {@code size}-byte argument. */
    public static long iow(int type, int nr, long size) {
        return ioc(WRITE, type, nr, size);
    }

    /** {@code _IOWR(type, nr, T)}. */
    public static long iowr(int type, int nr, long size) {
        return ioc(READ | WRITE, type, nr, size);
    }
}

package dev.custody.nativeio.host;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.libc.LibcIo;
import dev.custody.nativeio.uapi.Vfio;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One region of a VFIO device file (a BAR, the configuration space), as a user-space driver reaches
 * it: {@code VFIO_DEVICE_GET_REGION_INFO} says where in the file the region lies, and reads and writes
 * at that offset are the device's own accesses of the size given (vfio-pci turns a 4-byte pwrite into
 * one 32-bit MMIO write).
 *
 * @param offset where the region starts in the device file
 */
public record VfioRegion(int deviceFd, int index, long size, long offset, int flags) {

    /**
     * Asks the device file where region {@code index} is.
     *
     * @throws IllegalStateException with the errno when the kernel refuses (a file that is no VFIO
     *     device, a device not bound to an iommufd yet, an index it does not have)
     */
    public static VfioRegion of(int deviceFd, int index) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment info = call.allocate(Vfio.RegionInfo.LAYOUT);
            Vfio.RegionInfo.ARGSZ.set(info, (int) Vfio.RegionInfo.LAYOUT.byteSize());
            Vfio.RegionInfo.INDEX.set(info, index);
            int result = Libc.ioctl(deviceFd, Vfio.VFIO_DEVICE_GET_REGION_INFO, info);
            if (result < 0) {
                throw new IllegalStateException(
                        "VFIO_DEVICE_GET_REGION_INFO of region " + index + " failed: errno " + -result);
            }
            return new VfioRegion(
                    deviceFd,
                    index,
                    (long) Vfio.RegionInfo.SIZE.get(info),
                    (long) Vfio.RegionInfo.OFFSET.get(info),
                    (int) Vfio.RegionInfo.FLAGS.get(info));
        }
    }

    /** One 32-bit read at {@code at} in the region. */
    public int read32(long at) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment word = call.allocate(4);
            transferred(LibcIo.pread(deviceFd, word, offset + at), 4, "read", at);
            return word.get(JAVA_INT_UNALIGNED, 0);
        }
    }

    /** One 32-bit write of {@code value} at {@code at} in the region. */
    public void write32(long at, int value) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment word = call.allocate(4);
            word.set(JAVA_INT_UNALIGNED, 0, value);
            transferred(LibcIo.pwrite(deviceFd, word, offset + at), 4, "write", at);
        }
    }

    /** One 16-bit read at {@code at} (a configuration-space register such as PCI_COMMAND). */
    public short read16(long at) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment half = call.allocate(2);
            transferred(LibcIo.pread(deviceFd, half, offset + at), 2, "read", at);
            return half.get(JAVA_SHORT_UNALIGNED, 0);
        }
    }

    /** One 16-bit write of {@code value} at {@code at}. */
    public void write16(long at, short value) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment half = call.allocate(2);
            half.set(JAVA_SHORT_UNALIGNED, 0, value);
            transferred(LibcIo.pwrite(deviceFd, half, offset + at), 2, "write", at);
        }
    }

    private void transferred(long result, int wanted, String what, long at) {
        if (result != wanted) {
            throw new IllegalStateException("a " + wanted + "-byte " + what + " at 0x" + Long.toHexString(at)
                    + " of region " + index + " moved "
                    + (result < 0 ? "nothing: errno " + -result : result + " bytes"));
        }
    }
}

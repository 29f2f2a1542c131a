/**
 * Kernel uapi structures and ioctl request numbers for {@code /dev/iommu} (iommufd) and VFIO
 * type1, as FFM {@link java.lang.foreign.MemoryLayout}s with field {@link java.lang.invoke.VarHandle}s.
 * A test compiles a C program against the uapi headers and checks every size, offset and number.
 */
package dev.custody.nativeio.uapi;

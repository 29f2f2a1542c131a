package dev.custody.nativeio.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * The layout of {@code sendmsg}/{@code recvmsg}'s structures and the arithmetic of glibc's
 * {@code CMSG_*} macros, for 64-bit Linux (x86-64 and aarch64 share it: {@code size_t} and pointers
 * are 8 bytes, {@code socklen_t} and {@code int} 4). Kept apart from the calls so it can be checked
 * against the numbers the C headers give.
 *
 * <pre>
 * struct iovec   { void *iov_base; size_t iov_len; };                              16 bytes
 * struct msghdr  { void *msg_name; socklen_t msg_namelen; (4 padding)
 *                  struct iovec *msg_iov; size_t msg_iovlen;
 *                  void *msg_control; size_t msg_controllen; int msg_flags; (4) };  56 bytes
 * struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; unsigned char data[]; }  16 bytes
 * </pre>
 */
public final class ControlMessages {
    /** {@code size_t}: the unit {@code CMSG_ALIGN} rounds to; 8 on the 64-bit Linux this layout is for. */
    static final long SIZE_T = JAVA_LONG.byteSize();

    static final StructLayout IOVEC =
            MemoryLayout.structLayout(ADDRESS.withName("iov_base"), JAVA_LONG.withName("iov_len"));

    static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"),
            JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"),
            JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"),
            JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4));

    static final StructLayout CMSGHDR = MemoryLayout.structLayout(
            JAVA_LONG.withName("cmsg_len"), JAVA_INT.withName("cmsg_level"), JAVA_INT.withName("cmsg_type"));

    static final long MSG_NAME = MSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_name"));
    static final long MSG_IOV = MSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_iov"));
    static final long MSG_IOVLEN = MSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_iovlen"));
    static final long MSG_CONTROL = MSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_control"));
    static final long MSG_CONTROLLEN = MSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_controllen"));
    static final long MSG_FLAGS = MSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_flags"));
    static final long CMSG_LEVEL = CMSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("cmsg_level"));
    static final long CMSG_TYPE = CMSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("cmsg_type"));

    /** SCM_MAX_FD: the most descriptors one SCM_RIGHTS message carries (the kernel answers EINVAL beyond). */
    public static final int MOST_DESCRIPTORS = 253;

    static {
        if (ADDRESS.byteSize() != SIZE_T) {
            throw new ExceptionInInitializerError("the msghdr and cmsghdr layouts here are 64-bit Linux's");
        }
    }

    private ControlMessages() {}

    /** CMSG_ALIGN(len): rounded up to a multiple of {@code size_t}. */
    public static long align(long length) {
        return (length + SIZE_T - 1) & ~(SIZE_T - 1);
    }

    /** CMSG_LEN(len): {@code cmsg_len} of a message carrying {@code length} bytes of data. */
    public static long length(long length) {
        return align(CMSGHDR.byteSize()) + length;
    }

    /** CMSG_SPACE(len): the room one such message takes in the control buffer, padding included. */
    public static long space(long length) {
        return align(CMSGHDR.byteSize()) + align(length);
    }

    /** Where a control message's data starts (CMSG_DATA), from the message's start. */
    static long dataOffset() {
        return align(CMSGHDR.byteSize());
    }
}

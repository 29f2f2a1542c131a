package dev.custody.nativeio.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The layouts and CMSG_* arithmetic against what glibc's headers give on x86-64 and aarch64. */
class ControlMessagesTest {

    @Test
    void cmsgMacrosGiveGlibcsNumbers() {
        assertEquals(16, ControlMessages.align(12));
        assertEquals(16, ControlMessages.align(16));
        assertEquals(0, ControlMessages.align(0));
        // one descriptor: CMSG_LEN(4) = 20, CMSG_SPACE(4) = 24; three: 28 and 32
        assertEquals(20, ControlMessages.length(Integer.BYTES));
        assertEquals(24, ControlMessages.space(Integer.BYTES));
        assertEquals(28, ControlMessages.length(3 * Integer.BYTES));
        assertEquals(32, ControlMessages.space(3 * Integer.BYTES));
        assertEquals(16, ControlMessages.dataOffset());
    }

    @Test
    void structuresHaveTheKernelsLayout() {
        assertEquals(16, ControlMessages.IOVEC.byteSize());
        assertEquals(16, ControlMessages.CMSGHDR.byteSize());
        assertEquals(8, ControlMessages.CMSG_LEVEL);
        assertEquals(12, ControlMessages.CMSG_TYPE);
        assertEquals(56, ControlMessages.MSGHDR.byteSize());
        assertEquals(0, ControlMessages.MSG_NAME);
        assertEquals(16, ControlMessages.MSG_IOV);
        assertEquals(24, ControlMessages.MSG_IOVLEN);
        assertEquals(32, ControlMessages.MSG_CONTROL);
        assertEquals(40, ControlMessages.MSG_CONTROLLEN);
        assertEquals(48, ControlMessages.MSG_FLAGS);
    }
}

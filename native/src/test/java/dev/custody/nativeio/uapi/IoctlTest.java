package dev.custody.nativeio.uapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class IoctlTest {

    @Test
    void encodesAsTheAsmGenericMacros() {
        // Known values: TCGETS-like _IO, and FS_IOC_GETFLAGS = _IOR('f', 1, long) = 0x80086601.
        assertEquals(0x3b80L, Ioctl.io(';', 0x80));
        assertEquals(0x80086601L, Ioctl.ior('f', 1, 8));
        assertEquals(0x40086602L, Ioctl.iow('f', 2, 8));
        assertEquals(0xc0186b01L, Ioctl.iowr('k', 1, 24));
    }

    @Test
    void rejectsFieldsThatDoNotFit() {
        assertThrows(IllegalArgumentException.class, () -> Ioctl.io(0x100, 0));
        assertThrows(IllegalArgumentException.class, () -> Ioctl.io(1, 0x100));
        assertThrows(IllegalArgumentException.class, () -> Ioctl.ior(1, 1, 1 << 14));
    }
}

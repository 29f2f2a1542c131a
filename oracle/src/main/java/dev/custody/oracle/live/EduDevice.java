package dev.custody.oracle.live;

import dev.custody.nativeio.host.VfioRegion;
import dev.custody.nativeio.uapi.Vfio;
import java.time.Duration;

/**
 * QEMU's edu device (PCI 1234:11e8) driven from user space through its VFIO device file: the oracle's
 * only device that copies memory on command, so a DMA through the IOMMU can be made and its result read
 * back. Its registers are in BAR 0 (hw/misc/edu.c): 0x00 an identification word, 0x80 the DMA source,
 * 0x88 the destination, 0x90 the count, 0x98 the command (bit 0 starts the transfer and reads 1 until it
 * is done, bit 1 chooses the direction: 0 from memory into the device's buffer, 1 from the buffer to
 * memory). The buffer is 4096 bytes at device address 0x40000 ({@link #TRANSFER}: less is moved at
 * once); a memory address is cut to the device's
 * 28-bit DMA mask. The transfer runs 100 ms (of the VM's clock) after the command; a transfer the IOMMU
 * refuses changes nothing in memory and still ends.
 */
final class EduDevice {
    static final long BUFFER = 0x40000;
    static final int BUFFER_SIZE = 4096;
    /**
     * The most one transfer moves here: half the buffer. QEMU 7.2, the oracle's, takes a transfer that
     * ends at the buffer's very end for one beyond it, and stops the whole VM with a hardware error.
     */
    static final int TRANSFER = BUFFER_SIZE / 2;
    /** edu's default DMA mask: addresses above it are cut, so IOVAs stay below it. */
    static final long DMA_LIMIT = 1L << 28;
    /** What register 0x00 reads: major version 1, minor 0, then 0xed. */
    static final int IDENTIFICATION = 0x010000ed;

    private static final int PCI_COMMAND = 0x04;
    private static final short COMMAND_MEMORY = 0x2;
    private static final short COMMAND_MASTER = 0x4;
    private static final long SOURCE = 0x80;
    private static final long DESTINATION = 0x88;
    private static final long COUNT = 0x90;
    private static final long COMMAND = 0x98;
    private static final int START = 0x1;
    private static final int TO_MEMORY = 0x2;

    private final VfioRegion config;
    private final VfioRegion registers;

    private EduDevice(VfioRegion config, VfioRegion registers) {
        this.config = config;
        this.registers = registers;
    }

    /** The device behind a VFIO device file bound to an iommufd; its memory decoding and bus mastering on. */
    static EduDevice open(int deviceFd) {
        EduDevice edu = new EduDevice(
                VfioRegion.of(deviceFd, Vfio.PCI_CONFIG_REGION_INDEX),
                VfioRegion.of(deviceFd, Vfio.PCI_BAR0_REGION_INDEX));
        short command = edu.config.read16(PCI_COMMAND);
        // vfio-pci leaves bus mastering off: without it QEMU drops the device's DMA before the IOMMU
        edu.config.write16(PCI_COMMAND, (short) (command | COMMAND_MEMORY | COMMAND_MASTER));
        return edu;
    }

    int identification() {
        return registers.read32(0x00);
    }

    short command() {
        return config.read16(PCI_COMMAND);
    }

    /** Copies {@code count} bytes from the IOVA {@code from} into the device's buffer at {@link #BUFFER}. */
    boolean fromMemory(long from, int count, Duration patience) throws InterruptedException {
        return transfer(from, BUFFER, count, START, patience);
    }

    /** Copies {@code count} bytes of the device's buffer at {@link #BUFFER} to the IOVA {@code to}. */
    boolean toMemory(long to, int count, Duration patience) throws InterruptedException {
        return transfer(BUFFER, to, count, START | TO_MEMORY, patience);
    }

    /** @return whether the device said the transfer was done within {@code patience} */
    private boolean transfer(long source, long destination, int count, int command, Duration patience)
            throws InterruptedException {
        // the addresses are below 2^28: a 32-bit write sets the whole 64-bit register
        registers.write32(SOURCE, (int) source);
        registers.write32(DESTINATION, (int) destination);
        registers.write32(COUNT, count);
        registers.write32(COMMAND, command);
        long deadline = System.nanoTime() + patience.toNanos();
        while ((registers.read32(COMMAND) & START) != 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10); // polling the device's own status bit; the deadline bounds it
        }
        return true;
    }
}

package dev.custody.model;

/**
 * A dynamic id of a PCI driver (struct pci_dynid's pci_device_id), added by writing its new_id file,
 * or an entry of a driver's static id table where the topology declares one ({@link DriverSpec#idTable}).
 * Fields hold the 32-bit values the kernel keeps; {@link #ANY} is PCI_ANY_ID.
 */
public record DynamicId(
        int vendor, int device, int subvendor, int subdevice, int classCode, int classMask, long driverData) {

    /** PCI_ANY_ID, (u32)~0. */
    public static final int ANY = -1;

    /**
     * pci_match_one_device against a device of which the model knows the vendor and device id only:
     * an id that names a subsystem or a class cannot be told to match, so it is taken not to.
     */
    public boolean matches(PciDeviceIds ids) {
        return field(vendor, ids.vendor())
                && field(device, ids.device())
                && subvendor == ANY
                && subdevice == ANY
                && classMask == 0;
    }

    /**
     * pci_match_one_device against a whole pci_dev, as new_id_store's stand-in device is: every field
     * known.
     */
    public boolean matches(int devVendor, int devDevice, int devSubvendor, int devSubdevice, int devClass) {
        return field(vendor, devVendor)
                && field(device, devDevice)
                && field(subvendor, devSubvendor)
                && field(subdevice, devSubdevice)
                && ((classCode ^ devClass) & classMask) == 0;
    }

    /** The six match fields equal, driver_data not looked at: which list entry a removal takes. */
    public boolean sameAs(DynamicId other) {
        return vendor == other.vendor
                && device == other.device
                && subvendor == other.subvendor
                && subdevice == other.subdevice
                && classCode == other.classCode
                && classMask == other.classMask;
    }

    /** A table entry of vendor and device ({@link #ANY} for either), any subsystem and class, driver_data 0. */
    public static DynamicId entry(int vendor, int device) {
        return new DynamicId(vendor, device, ANY, ANY, 0, 0, 0);
    }

    /** The same match fields with another driver_data (a table entry's value for its driver). */
    public DynamicId withDriverData(long data) {
        return new DynamicId(vendor, device, subvendor, subdevice, classCode, classMask, data);
    }

    private static boolean field(int id, int dev) {
        return id == ANY || id == dev;
    }

    @Override
    public String toString() {
        return "%04x:%04x sub %08x:%08x class %06x/%06x data %x"
                .formatted(vendor, device, subvendor, subdevice, classCode, classMask, driverData);
    }
}

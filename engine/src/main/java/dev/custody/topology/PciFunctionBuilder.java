package dev.custody.topology;

import java.util.Optional;
import java.util.OptionalInt;

/** Fluent construction of a {@link PciFunction}; defaults describe a single-function conventional device. */
public final class PciFunctionBuilder {

    private final PciAddress address;
    private final PciIds ids;
    private Optional<PciIds> subsystem = Optional.empty();
    private ClassCode classCode = new ClassCode(0xff0000);
    private HeaderType headerType = HeaderType.NORMAL;
    private boolean multifunctionBit;
    private boolean virtualFunction;
    private Optional<PciePortType> expressType = Optional.empty();
    private Optional<AcsCapability> acs = Optional.empty();
    private Optional<BusRange> bridgeBuses = Optional.empty();
    private Optional<String> driver = Optional.empty();
    private OptionalInt reportedGroup = OptionalInt.empty();

    private PciFunctionBuilder(PciAddress address, PciIds ids) {
        this.address = address;
        this.ids = ids;
    }

    public static PciFunctionBuilder function(String address, int vendor, int device) {
        return new PciFunctionBuilder(PciAddress.parse(address), new PciIds(vendor, device));
    }

    /** Starts from an existing function, to change a few fields. */
    public static PciFunctionBuilder from(PciFunction f) {
        var b = new PciFunctionBuilder(f.address(), f.ids());
        b.subsystem = f.subsystem();
        b.classCode = f.classCode();
        b.headerType = f.headerType();
        b.multifunctionBit = f.multifunctionBit();
        b.virtualFunction = f.virtualFunction();
        b.expressType = f.expressType();
        b.acs = f.acs();
        b.bridgeBuses = f.bridgeBuses();
        b.driver = f.driver();
        b.reportedGroup = f.reportedGroup();
        return b;
    }

    public PciFunctionBuilder subsystem(int vendor, int device) {
        this.subsystem = Optional.of(new PciIds(vendor, device));
        return this;
    }

    public PciFunctionBuilder classCode(int value) {
        this.classCode = new ClassCode(value);
        return this;
    }

    public PciFunctionBuilder multifunction() {
        this.multifunctionBit = true;
        return this;
    }

    /** Makes this an SR-IOV virtual function, which the kernel never counts as multifunction. */
    public PciFunctionBuilder virtualFunction() {
        this.virtualFunction = true;
        return this;
    }

    public PciFunctionBuilder express(PciePortType type) {
        this.expressType = Optional.of(type);
        return this;
    }

    public PciFunctionBuilder acs(AcsCapability capability) {
        this.acs = Optional.of(capability);
        return this;
    }

    /** Makes this a bridge header with the given secondary and subordinate buses. */
    public PciFunctionBuilder bridge(int secondary, int subordinate) {
        this.headerType = HeaderType.PCI_BRIDGE;
        this.bridgeBuses = Optional.of(new BusRange(secondary, subordinate));
        if (classCode.value() == 0xff0000) this.classCode = ClassCode.PCI_BRIDGE;
        return this;
    }

    public PciFunctionBuilder driver(String name) {
        this.driver = Optional.of(name);
        return this;
    }

    public PciFunctionBuilder reportedGroup(int group) {
        this.reportedGroup = OptionalInt.of(group);
        return this;
    }

    public PciFunction build() {
        return new PciFunction(
                address,
                ids,
                subsystem,
                classCode,
                headerType,
                multifunctionBit,
                virtualFunction,
                expressType,
                acs,
                bridgeBuses,
                driver,
                reportedGroup);
    }
}

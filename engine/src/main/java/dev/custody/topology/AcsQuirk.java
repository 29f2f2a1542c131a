package dev.custody.topology;

import java.util.Optional;
import java.util.Set;

/**
 * One device-specific ACS quirk of the kernel's table (pci_dev_specific_acs_enabled in
 * drivers/pci/quirks.c): it vouches for isolation the standard capability does not show, or, for
 * a few vendors, denies it. Empty means "no opinion, ask the next quirk, then the capability".
 * Group formation only ever asks about SV|RR|CR|UF, so each quirk answers for those flags.
 */
public sealed interface AcsQuirk {

    String name();

    Optional<Boolean> isolated(PciFunction function, PciTopology topology);

    /**
     * Intel root-complex integrated endpoints only allow peer-to-peer on translated addresses
     * (VT-d spec, root-complex peer-to-peer), so they count as having SV|RR|CR|UF
     * (pci_quirk_rciep_acs, every Intel device id).
     */
    record IntelRcIntegratedEndpoint() implements AcsQuirk {
        public String name() {
            return "Intel RCiEP";
        }

        public Optional<Boolean> isolated(PciFunction function, PciTopology topology) {
            if (function.ids().vendor() != AcsQuirks.INTEL) return Optional.empty();
            if (!function.isExpressType(PciePortType.RC_INTEGRATED_ENDPOINT)) return Optional.empty();
            return Optional.of(true);
        }
    }

    /**
     * Multifunction endpoints whose vendor verified that functions never talk peer-to-peer
     * (pci_quirk_mf_endpoint_acs): every flag relevant to a multifunction endpoint counts as on,
     * whatever the function's type.
     */
    record MultifunctionEndpointWithoutPeerToPeer(String vendorName, Set<PciIds> devices) implements AcsQuirk {
        public MultifunctionEndpointWithoutPeerToPeer {
            devices = Set.copyOf(devices);
        }

        public String name() {
            return vendorName + " multifunction endpoint without peer-to-peer";
        }

        public Optional<Boolean> isolated(PciFunction function, PciTopology topology) {
            return devices.contains(function.ids()) ? Optional.of(true) : Optional.empty();
        }
    }

    /**
     * Intel PCH root ports that provide ACS-like isolation without an ACS capability
     * (pci_quirk_intel_pch_acs). The kernel switches the isolation on at boot through chipset
     * registers (pci_quirk_enable_intel_pch_acs); taken as having succeeded, because whether it
     * does depends on LPC and root-complex registers no topology carries.
     */
    record IntelPchRootPort(Set<Integer> deviceIds) implements AcsQuirk {
        public IntelPchRootPort {
            deviceIds = Set.copyOf(deviceIds);
        }

        public String name() {
            return "Intel PCH root port";
        }

        public Optional<Boolean> isolated(PciFunction function, PciTopology topology) {
            if (function.ids().vendor() != AcsQuirks.INTEL || !function.isExpressType(PciePortType.ROOT_PORT)) {
                return Optional.empty();
            }
            return deviceIds.contains(function.ids().device()) ? Optional.of(true) : Optional.empty();
        }
    }

    /**
     * Sunrise Point, Union Point and 7th/8th generation mobile PCH root ports
     * (pci_quirk_intel_spt_pch_acs): their ACS registers are dwords, so the control register sits
     * where the standard layout has the upper half of the capability. The kernel switches on every
     * supported SV|RR|CR|UF control there at boot (pci_quirk_enable_intel_spt_pch_acs) and reads
     * it back from there, so such a port is isolated whenever it has an ACS capability at all,
     * whatever the standard control register (the topology's {@code enabled}) seems to say.
     * Without an ACS capability the quirk has no opinion.
     */
    record IntelSunrisePointRootPort() implements AcsQuirk {
        public String name() {
            return "Intel Sunrise Point PCH root port";
        }

        public Optional<Boolean> isolated(PciFunction function, PciTopology topology) {
            if (function.ids().vendor() != AcsQuirks.INTEL
                    || !function.isExpressType(PciePortType.ROOT_PORT)
                    || function.acs().isEmpty()) {
                return Optional.empty();
            }
            int device = function.ids().device();
            boolean listed = between(device, 0xa110, 0xa11f)
                    || between(device, 0xa167, 0xa16a)
                    || between(device, 0xa290, 0xa29f)
                    || between(device, 0xa2e7, 0xa2ee)
                    || between(device, 0x9d10, 0x9d1b);
            return listed ? Optional.of(true) : Optional.empty();
        }
    }

    /**
     * AMD/ATI southbridge functions that never do peer-to-peer when an AMD IOMMU is present
     * (pci_quirk_amd_sb_acs): only RR and CR matter to them, and those count as on. The kernel
     * asks only about multifunction devices on a root bus, and only when ACPI has an IVRS table;
     * the table is taken as present, since groups are only formed with an IOMMU, and these
     * southbridges only sit beside an AMD one.
     */
    record AmdSouthbridge(Set<PciIds> devices) implements AcsQuirk {
        public AmdSouthbridge {
            devices = Set.copyOf(devices);
        }

        public String name() {
            return "AMD southbridge multifunction device";
        }

        public Optional<Boolean> isolated(PciFunction function, PciTopology topology) {
            if (!devices.contains(function.ids())) return Optional.empty();
            if (!function.isMultifunction()
                    || !topology.isRootBus(function.address().busAddress())) {
                return Optional.empty();
            }
            return Optional.of(true);
        }
    }

    /**
     * Ports their vendor documents as blocking peer-to-peer and validating requester IDs without
     * an ACS capability; the kernel checks nothing but the ids (pci_quirk_qcom_rp_acs,
     * pci_quirk_xgene_acs, pci_quirk_brcm_acs, pci_quirk_loongson_acs, pci_quirk_nxp_rp_acs).
     */
    record IsolatedWithoutAcs(String portName, String kernelFunction, Set<PciIds> devices) implements AcsQuirk {
        public IsolatedWithoutAcs {
            devices = Set.copyOf(devices);
        }

        public String name() {
            return portName;
        }

        public Optional<Boolean> isolated(PciFunction function, PciTopology topology) {
            return devices.contains(function.ids()) ? Optional.of(true) : Optional.empty();
        }
    }

    /** Cavium ThunderX1/2/3 root ports implement SV|RR|CR|UF internally (pci_quirk_cavium_acs). */
    record CaviumRootPort() implements AcsQuirk {
        public String name() {
            return "Cavium ThunderX root port";
        }

        public Optional<Boolean> isolated(PciFunction function, PciTopology topology) {
            if (function.ids().vendor() != AcsQuirks.CAVIUM || !function.isExpressType(PciePortType.ROOT_PORT)) {
                return Optional.empty();
            }
            int device = function.ids().device();
            boolean listed = between(device, 0xa000, 0xa7ff) || device == 0xaf84 || device == 0xb884;
            return listed ? Optional.of(true) : Optional.empty();
        }
    }

    /**
     * Amazon Annapurna Labs root ports, each in its own segment, cannot reach each other
     * (pci_quirk_al_acs); only root ports are vouched for.
     */
    record AnnapurnaLabsRootPort(Set<PciIds> devices) implements AcsQuirk {
        public AnnapurnaLabsRootPort {
            devices = Set.copyOf(devices);
        }

        public String name() {
            return "Amazon Annapurna Labs root port";
        }

        public Optional<Boolean> isolated(PciFunction function, PciTopology topology) {
            if (!devices.contains(function.ids()) || !function.isExpressType(PciePortType.ROOT_PORT)) {
                return Optional.empty();
            }
            return Optional.of(true);
        }
    }

    /**
     * Zhaoxin root and switch downstream ports (pci_quirk_zhaoxin_pcie_ports_acs): the listed
     * device ids block peer-to-peer without an ACS capability. Every other Zhaoxin root or
     * downstream port gets a firm "not isolated", which the kernel never checks against the
     * port's ACS capability, because the table's first firm answer wins.
     */
    record ZhaoxinPort() implements AcsQuirk {
        public String name() {
            return "Zhaoxin root or downstream port";
        }

        public Optional<Boolean> isolated(PciFunction function, PciTopology topology) {
            if (function.ids().vendor() != AcsQuirks.ZHAOXIN) return Optional.empty();
            if (!function.isExpressType(PciePortType.ROOT_PORT)
                    && !function.isExpressType(PciePortType.SWITCH_DOWNSTREAM_PORT)) {
                return Optional.empty();
            }
            int device = function.ids().device();
            return Optional.of(between(device, 0x0710, 0x071e) || device == 0x0721 || between(device, 0x0723, 0x0752));
        }
    }

    /**
     * Wangxun NICs whose functions never talk peer-to-peer (pci_quirk_wangxun_nic_acs; the FF5xxx ids
     * came with 6.12.y). Every other
     * Wangxun device gets a firm "not isolated", whatever its type or ACS capability.
     */
    record WangxunNic() implements AcsQuirk {
        private static final Set<Integer> FF5XXX = Set.of(0x5010, 0x5025, 0x5040, 0x5110, 0x5125, 0x5140);

        public String name() {
            return "Wangxun NIC";
        }

        public Optional<Boolean> isolated(PciFunction function, PciTopology topology) {
            if (function.ids().vendor() != AcsQuirks.WANGXUN) return Optional.empty();
            int device = function.ids().device();
            boolean listed =
                    between(device, 0x0100, 0x010f) || device == 0x1001 || device == 0x2001 || FF5XXX.contains(device);
            return Optional.of(listed);
        }
    }

    private static boolean between(int value, int first, int last) {
        return value >= first && value <= last;
    }
}

package dev.custody.topology;

import java.util.Optional;
import java.util.Set;

/**
 * A device-specific ACS quirk (kernel pci_dev_specific_acs_enabled): vouches for
 * isolation the standard capability does not show. Empty means "no opinion, ask the capability".
 */
public sealed interface AcsQuirk {

    String name();

    Optional<Boolean> isolated(PciFunction function);

    /**
     * Intel root-complex integrated endpoints only allow peer-to-peer on translated addresses
     * (VT-d spec, root-complex peer-to-peer), so they count as having SV|RR|CR|UF.
     */
    record IntelRcIntegratedEndpoint() implements AcsQuirk {
        public String name() {
            return "Intel RCiEP";
        }

        public Optional<Boolean> isolated(PciFunction function) {
            if (function.ids().vendor() != 0x8086) return Optional.empty();
            if (!function.isExpressType(PciePortType.RC_INTEGRATED_ENDPOINT)) return Optional.empty();
            return Optional.of(true);
        }
    }

    /**
     * Multifunction endpoints whose vendor verified that functions never talk peer-to-peer
     * (pci_quirk_mf_endpoint_acs): every flag relevant to a multifunction endpoint counts as on.
     */
    record MultifunctionEndpointWithoutPeerToPeer(String vendorName, Set<PciIds> devices) implements AcsQuirk {
        public MultifunctionEndpointWithoutPeerToPeer {
            devices = Set.copyOf(devices);
        }

        public String name() {
            return vendorName + " multifunction endpoint without peer-to-peer";
        }

        public Optional<Boolean> isolated(PciFunction function) {
            return devices.contains(function.ids()) ? Optional.of(true) : Optional.empty();
        }
    }

    /**
     * Intel PCH root ports that provide ACS-like isolation without an ACS capability
     * (pci_quirk_intel_pch_acs). Taken as switched on, as the kernel does at boot.
     */
    record IntelPchRootPort(Set<Integer> deviceIds) implements AcsQuirk {
        public IntelPchRootPort {
            deviceIds = Set.copyOf(deviceIds);
        }

        public String name() {
            return "Intel PCH root port";
        }

        public Optional<Boolean> isolated(PciFunction function) {
            if (function.ids().vendor() != 0x8086 || !function.isExpressType(PciePortType.ROOT_PORT)) {
                return Optional.empty();
            }
            return deviceIds.contains(function.ids().device()) ? Optional.of(true) : Optional.empty();
        }
    }
}

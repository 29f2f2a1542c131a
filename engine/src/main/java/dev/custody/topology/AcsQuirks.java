package dev.custody.topology;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The kernel's device-specific ACS quirk table as of 6.12 (pci_dev_acs_enabled in
 * drivers/pci/quirks.c, with the entries the 6.12.y stable series added up to 6.12.118, the kernel
 * the oracle runs), in its order: the first quirk with a firm answer wins
 * (pci_dev_specific_acs_enabled). docs/pci-quirks.md lists every entry.
 */
public final class AcsQuirks {

    static final int ATI = 0x1002;
    static final int AMD = 0x1022;
    static final int SOLARFLARE = 0x1924;
    static final int INTEL = 0x8086;
    static final int QCOM = 0x17cb;
    static final int HXT = 0x1dbf;
    static final int EMULEX_BE3 = 0x19a2;
    static final int EMULEX_SKYHAWK = 0x10df;
    static final int CAVIUM = 0x177d;
    static final int AMCC = 0x10e8;
    static final int AMPERE = 0x1def;
    static final int BROADCOM = 0x14e4;
    static final int LOONGSON = 0x0014;
    static final int ANNAPURNA_LABS = 0x1c36;
    static final int ZHAOXIN = 0x1d17;
    static final int NXP = 0x1957;
    static final int WANGXUN = 0x8088;

    public static final List<AcsQuirk> TABLE = List.of(
            new AcsQuirk.AmdSouthbridge(Set.of(
                    new PciIds(ATI, 0x4385),
                    new PciIds(ATI, 0x439c),
                    new PciIds(ATI, 0x4383),
                    new PciIds(ATI, 0x439d),
                    new PciIds(ATI, 0x4384),
                    new PciIds(ATI, 0x4399),
                    new PciIds(AMD, 0x780f),
                    new PciIds(AMD, 0x7809))),
            new AcsQuirk.MultifunctionEndpointWithoutPeerToPeer("Solarflare", ids(SOLARFLARE, 0x0903, 0x0923, 0x0a03)),
            new AcsQuirk.MultifunctionEndpointWithoutPeerToPeer("Intel NIC", intelMultifunctionNics()),
            new AcsQuirk.IntelRcIntegratedEndpoint(),
            new AcsQuirk.IsolatedWithoutAcs(
                    "Qualcomm/HXT root port",
                    "pci_quirk_qcom_rp_acs",
                    Set.of(
                            new PciIds(QCOM, 0x0400),
                            new PciIds(QCOM, 0x0401),
                            new PciIds(QCOM, 0x0115),
                            new PciIds(QCOM, 0x0111),
                            new PciIds(QCOM, 0x0120),
                            new PciIds(HXT, 0x0401))),
            new AcsQuirk.IntelPchRootPort(intelPchRootPorts()),
            new AcsQuirk.IntelSunrisePointRootPort(),
            new AcsQuirk.MultifunctionEndpointWithoutPeerToPeer(
                    "Emulex", Set.of(new PciIds(EMULEX_BE3, 0x0710), new PciIds(EMULEX_SKYHAWK, 0x0720))),
            new AcsQuirk.CaviumRootPort(),
            new AcsQuirk.MultifunctionEndpointWithoutPeerToPeer("Cavium", ids(CAVIUM, 0xa026, 0xa059, 0xa060)),
            new AcsQuirk.IsolatedWithoutAcs("APM X-Gene/Ampere root port", "pci_quirk_xgene_acs", xgeneRootPorts()),
            new AcsQuirk.MultifunctionEndpointWithoutPeerToPeer(
                    "Broadcom", ids(BROADCOM, 0x16d7, 0x1750, 0x1751, 0x1752, 0x1760, 0x1761, 0x1762, 0x1763)),
            new AcsQuirk.IsolatedWithoutAcs(
                    "Broadcom iProc PAXB root port", "pci_quirk_brcm_acs", ids(BROADCOM, 0xd714)),
            new AcsQuirk.IsolatedWithoutAcs(
                    "Loongson root port",
                    "pci_quirk_loongson_acs",
                    ids(LOONGSON, 0x3c09, 0x3c19, 0x3c29, 0x7a09, 0x7a19, 0x7a29, 0x7a39, 0x7a49, 0x7a59, 0x7a69)),
            new AcsQuirk.AnnapurnaLabsRootPort(ids(ANNAPURNA_LABS, 0x0031)),
            new AcsQuirk.MultifunctionEndpointWithoutPeerToPeer("Zhaoxin", ids(ZHAOXIN, 0x3038, 0x3104, 0x9083)),
            new AcsQuirk.IsolatedWithoutAcs("NXP LX2xx0 root port", "pci_quirk_nxp_rp_acs", nxpRootPorts()),
            new AcsQuirk.ZhaoxinPort(),
            new AcsQuirk.WangxunNic());

    private AcsQuirks() {}

    /** The first quirk with an opinion about this function, and that opinion. */
    public record Opinion(AcsQuirk quirk, boolean isolated) {}

    public static Optional<Opinion> opinionOn(PciFunction function, PciTopology topology) {
        for (var quirk : TABLE) {
            var isolated = quirk.isolated(function, topology);
            if (isolated.isPresent()) return Optional.of(new Opinion(quirk, isolated.get()));
        }
        return Optional.empty();
    }

    /** The NICs Intel vouched for: 10G parts, 82580, 82576, 82575, I350, 82571 (not its quads), I219. */
    private static Set<PciIds> intelMultifunctionNics() {
        return ids(
                INTEL, 0x10c6, 0x10db, 0x10dd, 0x10e1, 0x10f1, 0x10f7, 0x10f8, 0x10f9, 0x10fa, 0x10fb, 0x10fc, 0x1507,
                0x1514, 0x151c, 0x1529, 0x152a, 0x154d, 0x154f, 0x1551, 0x1558, 0x1509, 0x150e, 0x150f, 0x1510, 0x1511,
                0x1516, 0x1527, 0x10c9, 0x10e6, 0x10e7, 0x10e8, 0x150a, 0x150d, 0x1518, 0x1526, 0x10a7, 0x10a9, 0x10d6,
                0x1521, 0x1522, 0x1523, 0x1524, 0x105e, 0x105f, 0x1060, 0x10d9, 0x15b7, 0x15b8);
    }

    /** Ibexpeak, Cougar Point, Panther Point, Lynx Point(-LP), Wildcat, Patsburg, Wellsburg, 9 series. */
    private static Set<Integer> intelPchRootPorts() {
        var ids = new HashSet<Integer>();
        addRange(ids, 0x3b42, 0x3b51, 1);
        addRange(ids, 0x1c10, 0x1c1f, 1);
        addRange(ids, 0x1e10, 0x1e1f, 1);
        addRange(ids, 0x8c10, 0x8c1f, 1);
        addRange(ids, 0x9c10, 0x9c1b, 1);
        addRange(ids, 0x9c90, 0x9c9b, 1);
        addRange(ids, 0x1d10, 0x1d1e, 2);
        addRange(ids, 0x8d10, 0x8d1e, 1);
        addRange(ids, 0x8c90, 0x8c9e, 2);
        return ids;
    }

    private static Set<PciIds> xgeneRootPorts() {
        var ids = new HashSet<PciIds>();
        ids.add(new PciIds(AMCC, 0xe004));
        for (int device = 0xe005; device <= 0xe00c; device++) ids.add(new PciIds(AMPERE, device));
        return ids;
    }

    /** LX2xx0A/C/E/N and LX2xx2A/C/E/N, 16, 12 or 8 cores each. */
    private static Set<PciIds> nxpRootPorts() {
        return ids(
                NXP, 0x8d81, 0x8da1, 0x8d83, 0x8d80, 0x8da0, 0x8d82, 0x8d90, 0x8db0, 0x8d92, 0x8d91, 0x8db1, 0x8d93,
                0x8d89, 0x8da9, 0x8d8b, 0x8d88, 0x8da8, 0x8d8a, 0x8d98, 0x8db8, 0x8d9a, 0x8d99, 0x8db9, 0x8d9b);
    }

    private static Set<PciIds> ids(int vendor, int... devices) {
        var ids = new HashSet<PciIds>();
        for (int device : devices) ids.add(new PciIds(vendor, device));
        return ids;
    }

    private static void addRange(Set<Integer> ids, int first, int last, int step) {
        for (int id = first; id <= last; id += step) ids.add(id);
    }
}

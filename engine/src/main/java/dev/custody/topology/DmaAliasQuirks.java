package dev.custody.topology;

import java.util.ArrayList;
import java.util.List;

/**
 * The DMA alias quirk table of the kernel's drivers/pci/quirks.c as of 6.12: which devices alias which devfns
 * on their own bus, and why. Switchtec NTB aliases are left out: the kernel reads them from the
 * device's BAR at boot (docs/pci-quirks.md).
 */
public final class DmaAliasQuirks {

    private static final int RICOH = 0x1180;
    private static final int GLENFLY = 0x6766;
    private static final int MARVELL_EXT = 0x1b4b;
    private static final int TTI = 0x1103;
    private static final int JMICRON = 0x197b;
    private static final int ADAPTEC2 = 0x9005;
    private static final int INTEL = 0x8086;
    private static final int LITE_ON = 0x1c28;
    private static final int PLX = 0x10b5;

    public static final List<DmaAliasQuirk> TABLE = buildTable();

    private DmaAliasQuirks() {}

    /** One aliasing requester ID of a function, with the quirk that declares it. */
    public record QuirkAlias(PciAddress alias, DmaAliasQuirk quirk) {}

    public static List<QuirkAlias> aliasesOf(PciFunction function) {
        var aliases = new ArrayList<QuirkAlias>();
        for (var quirk : TABLE) {
            if (!function.ids().equals(quirk.ids())) continue;
            for (int devfn : quirk.aliasDevfns(function)) {
                aliases.add(new QuirkAlias(function.address().withDevfn(devfn), quirk));
            }
        }
        return List.copyOf(aliases);
    }

    /** pci_devs_are_dma_aliases: same bus, and either one's quirk names the other's devfn. */
    public static List<QuirkAlias> aliasesBetween(PciFunction a, PciFunction b) {
        if (!a.address().busAddress().equals(b.address().busAddress())) return List.of();
        var found = new ArrayList<QuirkAlias>();
        aliasesOf(a).stream().filter(q -> q.alias().equals(b.address())).forEach(found::add);
        aliasesOf(b).stream().filter(q -> q.alias().equals(a.address())).forEach(found::add);
        return List.copyOf(found);
    }

    private static List<DmaAliasQuirk> buildTable() {
        var table = new ArrayList<DmaAliasQuirk>();
        for (int device : new int[] {0xe832, 0xe476}) {
            table.add(new DmaAliasQuirk.FunctionZero("Ricoh", new PciIds(RICOH, device)));
        }
        for (int device : new int[] {0x3d40, 0x3d41}) {
            table.add(new DmaAliasQuirk.FunctionZero("Glenfly", new PciIds(GLENFLY, device)));
        }
        for (int device : new int[] {
            0x9120, 0x9123, 0x9125, 0x9128, 0x9130, 0x9170, 0x9172, 0x917a, 0x9182, 0x9183, 0x91a0, 0x9215, 0x9220,
            0x9230, 0x9235
        }) {
            table.add(new DmaAliasQuirk.FunctionOne("Marvell 88SE9xxx", new PciIds(MARVELL_EXT, device)));
        }
        for (int device : new int[] {0x0642, 0x0645}) {
            table.add(new DmaAliasQuirk.FunctionOne("TTI", new PciIds(TTI, device)));
        }
        table.add(new DmaAliasQuirk.FunctionOne("JMicron JMB388 ESD", new PciIds(JMICRON, 0x2392)));
        table.add(new DmaAliasQuirk.FunctionOne("Plextor M6E", new PciIds(LITE_ON, 0x0122)));
        for (int subsystemDevice : new int[] {0x02bb, 0x02bc}) {
            table.add(new DmaAliasQuirk.FixedDevfn(
                    "Adaptec", new PciIds(ADAPTEC2, 0x0285), new PciIds(ADAPTEC2, subsystemDevice), 1 << 3));
        }
        for (int device : new int[] {0x2260, 0x2264}) {
            table.add(new DmaAliasQuirk.FixedDevfns(
                    "Intel MIC x200", new PciIds(INTEL, device), List.of(0x10 << 3, 0x11 << 3, 0x12 << 3 | 3)));
        }
        // quirk_pex_vca_alias: functions 0-4 of every slot, as the far side's slot is unknown.
        var vcaDevfns = new ArrayList<Integer>();
        for (int slot = 0; slot < 0x20; slot++) {
            for (int function = 0; function < 5; function++) vcaDevfns.add(slot << 3 | function);
        }
        for (int device : new int[] {0x2954, 0x2955, 0x2956, 0x2958, 0x2959, 0x295a}) {
            table.add(new DmaAliasQuirk.FixedDevfns("Intel VCA", new PciIds(INTEL, device), vcaDevfns));
        }
        // quirk_plx_ntb_dma_alias: the NTB's proxy IDs may be any devfn of its bus.
        var everyDevfn = new ArrayList<Integer>();
        for (int devfn = 0; devfn < 0x100; devfn++) everyDevfn.add(devfn);
        for (int device : new int[] {0x87b0, 0x87b1}) {
            table.add(new DmaAliasQuirk.FixedDevfns("PLX NTB", new PciIds(PLX, device), everyDevfn));
        }
        return List.copyOf(table);
    }
}

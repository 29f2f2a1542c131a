package dev.custody.topology;

import java.util.List;
import java.util.Optional;

/**
 * A device that issues DMA with a requester ID other than its own (kernel quirks.c).
 * Each kind knows which functions it matches and which devfns on the same bus they alias.
 */
public sealed interface DmaAliasQuirk {

    /** The name explanations use, e.g. "Ricoh function 0". */
    String name();

    PciIds ids();

    /** The devfns (on the function's own bus) that this function's DMA also appears from. */
    List<Integer> aliasDevfns(PciFunction function);

    default boolean matches(PciFunction function) {
        return function.ids().equals(ids()) && !aliasDevfns(function).isEmpty();
    }

    /** quirk_dma_func0_alias: every function other than 0 issues DMA as function 0. */
    record FunctionZero(String vendorName, PciIds ids) implements DmaAliasQuirk {
        public String name() {
            return vendorName + " function 0";
        }

        public List<Integer> aliasDevfns(PciFunction function) {
            var address = function.address();
            return address.function() == 0 ? List.of() : List.of(address.device() << 3);
        }
    }

    /** quirk_dma_func1_alias: every function other than 1 issues DMA as function 1 (phantom or real). */
    record FunctionOne(String vendorName, PciIds ids) implements DmaAliasQuirk {
        public String name() {
            return vendorName + " function 1";
        }

        public List<Integer> aliasDevfns(PciFunction function) {
            var address = function.address();
            return address.function() == 1 ? List.of() : List.of(address.device() << 3 | 1);
        }
    }

    /** quirk_fixed_dma_alias: a board (matched by subsystem too) whose DMA appears from a fixed devfn. */
    record FixedDevfn(String vendorName, PciIds ids, PciIds subsystem, int devfn) implements DmaAliasQuirk {
        public String name() {
            return vendorName + " fixed alias %02x.%x".formatted(devfn >> 3, devfn & 7);
        }

        public List<Integer> aliasDevfns(PciFunction function) {
            return function.subsystem().equals(Optional.of(subsystem)) ? List.of(devfn) : List.of();
        }
    }

    /** quirk_mic_x200_dma_alias: DMA appears from several fixed devfns. */
    record FixedDevfns(String vendorName, PciIds ids, List<Integer> devfns) implements DmaAliasQuirk {
        public FixedDevfns {
            devfns = List.copyOf(devfns);
        }

        public String name() {
            return vendorName + " fixed aliases";
        }

        public List<Integer> aliasDevfns(PciFunction function) {
            return devfns;
        }
    }
}

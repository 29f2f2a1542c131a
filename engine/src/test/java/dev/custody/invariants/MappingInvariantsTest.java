package dev.custody.invariants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.mapping.DmaMapping;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Prot;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** V9 and V10 broken on purpose: the bookkeeping classes refuse such states, so the checks get raw lists. */
class MappingInvariantsTest {
    private static final IovaRange MSI = new IovaRange(0xfee00000L, 0xfeefffffL);

    private static IoasArea area(long iova, long length) {
        return new IoasArea(iova, length, Prot.READ_WRITE);
    }

    @Test
    void v9_cleanIoasPasses() {
        assertEquals(
                Optional.empty(),
                MappingInvariants.ioas(
                        "I",
                        List.of(area(0x1000, 0x1000), area(0x4000, 0x2000)),
                        List.of(MSI),
                        List.of(new IovaRange(0, 0xfffff)),
                        0x1000));
    }

    @Test
    void v9_overlappingAreas() {
        assertTrue(MappingInvariants.ioas(
                        "I", List.of(area(0x1000, 0x2000), area(0x2000, 0x1000)), List.of(), List.of(), 1)
                .map(v -> v.invariant().equals("V9") && v.message().contains("overlaps another area"))
                .orElse(false));
    }

    @Test
    void v9_areaOnAReservedRange() {
        assertTrue(MappingInvariants.ioas("I", List.of(area(0xfee00000L, 0x1000)), List.of(MSI), List.of(), 1)
                .isPresent());
    }

    @Test
    void v9_misalignedArea() {
        assertTrue(MappingInvariants.ioas("I", List.of(area(0x1000, 0x1000)), List.of(), List.of(), 0x200000)
                .isPresent());
    }

    @Test
    void v9_allowedRangeOnAReservedRange() {
        assertTrue(MappingInvariants.ioas(
                        "I", List.of(), List.of(MSI), List.of(new IovaRange(0xfe000000L, 0xfeffffffL)), 1)
                .isPresent());
    }

    @Test
    void v10_overlapAndOutsideValidRanges() {
        List<IovaRange> valid = List.of(new IovaRange(0, 0xfffff));
        DmaMapping a = new DmaMapping(0x1000, 0x7f0000001000L, 0x2000, Prot.READ_WRITE);
        assertEquals(Optional.empty(), MappingInvariants.type1("c1", List.of(a), valid));
        assertTrue(MappingInvariants.type1("c1", List.of(a, new DmaMapping(0x2000, 0, 0x1000, Prot.READ)), valid)
                .isPresent());
        assertTrue(MappingInvariants.type1("c1", List.of(new DmaMapping(0x100000, 0, 0x1000, Prot.READ)), valid)
                .map(v -> v.invariant().equals("V10"))
                .orElse(false));
    }
}

package dev.custody.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** new_id and remove_id count the fields the kernel's sscanf converts from "%x %x ...". */
class HexFieldsTest {

    @Test
    void blanksAndAPrefixAreSkippedAndTheScanStopsAtTheFirstFieldWithoutAHexDigit() {
        assertEquals(List.of(0x8086L, 0x10d3L), HexFields.scan("  8086\t0x10D3\n", 7));
        assertEquals(List.of(0x1af4L), HexFields.scan("1af4 zz 1041", 7));
        assertEquals(List.of(), HexFields.scan("-1 2", 7));
        assertEquals(List.of(), HexFields.scan("", 7));
    }

    @Test
    void aZeroBeforeAnXWithoutDigitsIsAFieldOfItsOwnAndEndsTheScan() {
        assertEquals(List.of(0L), HexFields.scan("0x 5", 7));
    }

    @Test
    void fieldsBeyondTheFormatAreNotRead() {
        assertEquals(List.of(1L, 2L), HexFields.scan("1 2 3", 2));
        assertEquals(7, HexFields.scan("1 2 3 4 5 6 7 8", 7).size());
    }

    @Test
    void aValueWiderThan32BitsKeepsItsBitsForTheCallerToNarrow() {
        assertEquals(List.of(0x1_0000_8086L), HexFields.scan("100008086", 1));
        assertEquals(0x8086, (int) (long) HexFields.scan("100008086", 1).get(0));
    }
}

package dev.custody.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Owners are told apart by colour, one each while the palette lasts, then by kind, never by a hash. */
class OwnerPaletteTest {

    @Test
    void fewOwnersGetOneColourEach() {
        List<String> owners =
                IntStream.range(0, 16).mapToObj(i -> "qemu1-g" + i).toList();
        OwnerPalette palette = new OwnerPalette(owners);
        assertFalse(palette.byKind());
        assertEquals(16, owners.stream().map(palette::colour).distinct().count(), "16 owners, 16 colours");
        assertNotEquals(palette.colour("qemu1-g0"), palette.colour("kernel"));
    }

    @Test
    void manyOwnersGetOneColourPerKindAndTheLegendSaysSo() {
        List<String> owners = IntStream.range(0, 40)
                .mapToObj(i -> List.of("qemu1-g" + i, "vmm2-ctx" + i, "shared" + (100 + i) + "-d"))
                .flatMap(List::stream)
                .toList();
        OwnerPalette palette = new OwnerPalette(owners);
        assertTrue(palette.byKind());
        assertEquals(palette.colour("qemu1-g0"), palette.colour("qemu1-g39"));
        assertEquals(palette.colour("shared100-d"), palette.colour("shared139-d"), "generated numbers are one kind");
        assertEquals(3, owners.stream().map(palette::colour).distinct().count());
        assertTrue(palette.legendHtml().contains("one colour per kind of owner"), palette.legendHtml());
    }
}

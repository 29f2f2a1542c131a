package dev.custody.ops;

import static dev.custody.ops.Arg.optional;
import static dev.custody.ops.Arg.required;
import static dev.custody.ops.ArgKind.NUMBER;
import static dev.custody.ops.ArgKind.REF;
import static dev.custody.ops.Caller.USER_SPACE;

import dev.custody.model.Command.HwptGetDirtyBitmap;
import dev.custody.model.Command.HwptSetDirtyTracking;
import dev.custody.model.DirtyBitmapFlag;
import dev.custody.model.DirtyTrackingFlag;
import dev.custody.model.Reply;
import dev.custody.rules.DirtyTrackingRules;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Dirty page tracking on a paging HWPT, as a VMM uses it for live migration: turning it on or off
 * (IOMMU_HWPT_SET_DIRTY_TRACKING) and reading the pages written since (IOMMU_HWPT_GET_DIRTY_BITMAP).
 * The flags are written by name when every bit set has one, else as the raw word.
 */
final class IommufdDirtyOperations {
    private IommufdDirtyOperations() {}

    /** The bitmap's page size when a step gives none: one bit for each 4 KiB page. */
    static final long DEFAULT_PAGE_SIZE = 0x1000;

    static final List<Operation<?>> ALL = List.of(
            Operation.define(
                            "iommufd.hwpt_set_dirty_tracking", USER_SPACE, HwptSetDirtyTracking.class, Reply.None.class)
                    .args(
                            required("iommufd", REF),
                            required("hwpt", REF),
                            Arg.flagWord("flags", DirtyTrackingFlag.class),
                            optional("reserved", NUMBER))
                    .rule((tx, c) -> DirtyTrackingRules.setDirtyTracking(tx, c.iommufd(), c.hwpt(), c.flags()))
                    .read(s -> new HwptSetDirtyTracking(
                            s.ref("iommufd"),
                            s.ref("hwpt"),
                            word(s, DirtyTrackingFlag.class),
                            s.optionalNumber("reserved").orElse(0)))
                    .write((c, w) -> {
                        w.ref("iommufd", c.iommufd()).ref("hwpt", c.hwpt());
                        writeFlags(w, DirtyTrackingFlag.class, c.flags());
                        if (c.reserved() != 0) {
                            w.address("reserved", c.reserved());
                        }
                    })
                    .agent((c, a) -> "set-dirty-tracking " + a.name(c.iommufd()) + " " + a.name(c.hwpt()) + " "
                            + AgentContext.hex(Integer.toUnsignedLong(c.flags())) + " "
                            + AgentContext.hex(c.reserved()))
                    // mostly on or off on a HWPT; now and then a flag 6.12 does not define
                    .generate(d -> new HwptSetDirtyTracking(
                            d.handle(HandleKind.IOMMUFD),
                            d.handle(HandleKind.HWPT),
                            d.below(8) == 0 ? 2 : d.below(2),
                            0))
                    .build(),
            Operation.define("iommufd.hwpt_get_dirty_bitmap", USER_SPACE, HwptGetDirtyBitmap.class, Reply.None.class)
                    .args(
                            required("iommufd", REF),
                            required("hwpt", REF),
                            required("iova", NUMBER),
                            required("length", NUMBER),
                            optional("page_size", NUMBER),
                            Arg.flagWord("flags", DirtyBitmapFlag.class),
                            optional("reserved", NUMBER))
                    .rule((tx, c) -> DirtyTrackingRules.getDirtyBitmap(
                            tx, c.iommufd(), c.hwpt(), c.flags(), c.reserved(), c.iova(), c.length(), c.pageSize()))
                    .read(s -> new HwptGetDirtyBitmap(
                            s.ref("iommufd"),
                            s.ref("hwpt"),
                            word(s, DirtyBitmapFlag.class),
                            s.optionalNumber("reserved").orElse(0),
                            s.number("iova"),
                            s.number("length"),
                            s.optionalNumber("page_size").orElse(DEFAULT_PAGE_SIZE)))
                    .write((c, w) -> {
                        w.ref("iommufd", c.iommufd())
                                .ref("hwpt", c.hwpt())
                                .address("iova", c.iova())
                                .address("length", c.length());
                        if (c.pageSize() != DEFAULT_PAGE_SIZE) {
                            w.address("page_size", c.pageSize());
                        }
                        writeFlags(w, DirtyBitmapFlag.class, c.flags());
                        if (c.reserved() != 0) {
                            w.address("reserved", c.reserved());
                        }
                    })
                    .agent((c, a) -> "get-dirty-bitmap " + a.name(c.iommufd()) + " " + a.name(c.hwpt()) + " "
                            + AgentContext.hex(Integer.toUnsignedLong(c.flags())) + " "
                            + AgentContext.hex(c.reserved()) + " " + AgentContext.hex(c.iova()) + " "
                            + AgentContext.hex(c.length()) + " " + AgentContext.hex(c.pageSize()))
                    // mostly page-aligned ranges of a few pages; now and then a size, a start or a page
                    // size the IOAS's alignment cuts, or an unknown flag
                    .generate(d -> new HwptGetDirtyBitmap(
                            d.handle(HandleKind.IOMMUFD),
                            d.handle(HandleKind.HWPT),
                            d.below(8) == 0 ? 2 : d.below(2),
                            0,
                            0x1000L * d.below(64) + (d.below(8) == 0 ? 0x800 : 0),
                            0x1000L * d.below(8),
                            d.below(4) == 0 ? 0x800L << d.below(3) : DEFAULT_PAGE_SIZE))
                    .build());

    /** The flag word of a step: the raw word, or the bits of the names listed (bit = 1 << ordinal). */
    private static <E extends Enum<E>> int word(StepReader s, Class<E> type) {
        if (s.flagWord("flags").isPresent()) {
            return s.flagWord("flags").getAsInt();
        }
        int word = 0;
        for (E flag : s.flags("flags", type)) {
            word |= 1 << flag.ordinal();
        }
        return word;
    }

    /** The flags by name when each bit set has one, the raw word otherwise; nothing for none. */
    private static <E extends Enum<E>> void writeFlags(StepWriter w, Class<E> type, int word) {
        if (word == 0) {
            return;
        }
        E[] constants = type.getEnumConstants();
        if (Integer.numberOfTrailingZeros(Integer.highestOneBit(word)) >= constants.length) {
            w.flagWord("flags", word);
            return;
        }
        Set<E> named = EnumSet.noneOf(type);
        for (E flag : constants) {
            if ((word & (1 << flag.ordinal())) != 0) {
                named.add(flag);
            }
        }
        w.flags("flags", named);
    }
}

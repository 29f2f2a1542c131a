package dev.custody.ops;

import static dev.custody.ops.Arg.optional;
import static dev.custody.ops.Arg.required;
import static dev.custody.ops.ArgKind.NUMBER;
import static dev.custody.ops.ArgKind.REF;
import static dev.custody.ops.Caller.USER_SPACE;

import dev.custody.model.Command.GetHwInfo;
import dev.custody.model.Reply;
import dev.custody.rules.HwInfoRules;
import java.util.List;

/** IOMMU_GET_HW_INFO: what the IOMMU behind a device bound to an iommufd reports about itself. */
final class IommufdHwInfoOperations {
    private IommufdHwInfoOperations() {}

    /** The buffer a step offers when it names no size: room for every driver's data in 6.12. */
    static final long DEFAULT_DATA_LENGTH = 64;

    static final List<Operation<?>> ALL =
            List.of(Operation.define("iommufd.get_hw_info", USER_SPACE, GetHwInfo.class, Reply.HwInfo.class)
                    .args(
                            required("iommufd", REF),
                            required("device", REF),
                            optional("flags", NUMBER),
                            optional("reserved", NUMBER),
                            optional("data_len", NUMBER))
                    .rule((tx, c) -> HwInfoRules.getHwInfo(tx, c.iommufd(), c.device(), c.flags(), c.reserved()))
                    .read(s -> new GetHwInfo(
                            s.ref("iommufd"),
                            s.ref("device"),
                            s.optionalNumber("flags").orElse(0),
                            s.optionalNumber("reserved").orElse(0),
                            s.optionalNumber("data_len").orElse(DEFAULT_DATA_LENGTH)))
                    .write((c, w) -> {
                        w.ref("iommufd", c.iommufd()).ref("device", c.device());
                        if (c.flags() != 0) {
                            w.address("flags", c.flags());
                        }
                        if (c.reserved() != 0) {
                            w.address("reserved", c.reserved());
                        }
                        if (c.dataLength() != DEFAULT_DATA_LENGTH) {
                            w.count("data_len", c.dataLength());
                        }
                    })
                    .agent((c, a) -> "hw-info " + a.name(c.iommufd()) + " " + a.name(c.device()) + " "
                            + AgentContext.hex(c.flags()) + " " + AgentContext.hex(c.reserved()) + " "
                            + AgentContext.hex(c.dataLength()))
                    .agentValue((c, r, v) -> {
                        v.put("out_data_type", r.number("type"));
                        v.put("data_len", r.number("len"));
                        v.put("out_capabilities", r.number("caps"));
                    })
                    // mostly a proper query; now and then a flag bit 6.12 does not define
                    .generate(d -> new GetHwInfo(
                            d.handle(HandleKind.IOMMUFD),
                            d.handle(HandleKind.CDEV),
                            d.below(8) == 0 ? 1 : 0,
                            0,
                            d.coin() ? DEFAULT_DATA_LENGTH : 8L * d.below(4)))
                    .build());
}

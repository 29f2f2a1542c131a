package dev.custody.trace;

import dev.custody.model.DeviceId;
import dev.custody.model.state.Claimant;
import dev.custody.model.state.DeviceState;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Describe;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a group or a device is doing in one state of the model, as nested spans, outermost first. A
 * span stays open while its name and arguments stay the same; any change ends it and opens the next,
 * so every span is a stretch of unchanged model state.
 *
 * <p>Groups: {@code kernel DMA} (owner_cnt counts kernel DMA-API users, no owner) or {@code user owner}
 * (a VFIO group fd, an iommufd or an in-kernel shared-domain user owns the group); inside it
 * {@code blocked} while the group is attached to its blocking domain, or {@code user domain} while
 * it translates through a domain other than its default. A group with neither is free: no span.
 *
 * <p>Devices: {@code user owner} when their group is owned, {@code kernel DMA} when the device holds
 * one of its group's owner_cnt for its driver, {@code bound} for a driver that does no kernel DMA;
 * inside it {@code unbind blocked} while a driver-core unbind or removal waits for its VFIO fds.
 */
final class OwnershipSpans {
    private OwnershipSpans() {}

    record Span(String name, String category, Map<String, Object> args) {}

    static List<Span> ofGroup(KernelState state, GroupState group) {
        List<Span> spans = new ArrayList<>(2);
        if (group.owner().isPresent()) {
            spans.add(new Span(
                    "user owner " + group.owner().get().label(),
                    "user",
                    args("owner", group.owner().get().label(), "owner_cnt", group.ownerCnt())));
        } else if (group.ownerCnt() > 0) {
            spans.add(new Span(
                    "kernel DMA", "kernel", args("owner_cnt", group.ownerCnt(), "claimants", claimants(group))));
        }
        if (group.blockingDomain().map(group.domain()::equals).orElse(false)) {
            spans.add(new Span("blocked", "blocked", args("domain", "blocking")));
        } else if (!group.onDefaultDomain()) {
            spans.add(
                    new Span("user domain", "domain", args("domain", Describe.domainOf(state, group, group.domain()))));
        }
        return spans;
    }

    static List<Span> ofDevice(KernelState state, DeviceState device) {
        if (!device.present()) {
            return List.of();
        }
        List<Span> spans = new ArrayList<>(2);
        Optional<GroupState> group = state.groupOf(device.id());
        String driver = device.driver().orElse("none");
        if (group.isPresent() && group.get().owner().isPresent()) {
            spans.add(new Span(
                    "user owner " + group.get().owner().get().label(),
                    "user",
                    args("owner", group.get().owner().get().label(), "driver", driver)));
        } else if (group.isPresent() && group.get().claimsOf(Claimant.device(device.id())) > 0) {
            spans.add(new Span("kernel DMA", "kernel", args("driver", driver)));
        } else if (device.driver().isPresent()) {
            spans.add(new Span("bound " + driver, "driver", args("driver", driver)));
        }
        device.pending()
                .ifPresent(p -> spans.add(new Span(
                        "unbind blocked",
                        "blocked",
                        args("waiting", p.name().toLowerCase(java.util.Locale.ROOT) + " until the VFIO fds close"))));
        return spans;
    }

    private static String claimants(GroupState group) {
        List<String> names = new ArrayList<>();
        group.claims().forEach((claimant, count) -> {
            String name = switch (claimant) {
                case Claimant.OfDevice d -> d.device().name();
                case Claimant.OfGroup g -> "group";
            };
            names.add(count == 1 ? name : name + " x" + count);
        });
        return String.join(", ", names);
    }

    static List<DeviceId> devicesOf(GroupState group) {
        return List.copyOf(group.devices());
    }

    private static Map<String, Object> args(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }
}

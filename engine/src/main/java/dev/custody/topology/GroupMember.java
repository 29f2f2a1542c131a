package dev.custody.topology;

import java.util.List;

/** One function of a derived group and the reasons, in order, that put it there. */
public record GroupMember(PciAddress address, List<JoinReason> reasons) {

    public GroupMember {
        reasons = List.copyOf(reasons);
    }

    public List<String> reasonTexts() {
        return reasons.stream().map(JoinReason::describe).toList();
    }
}

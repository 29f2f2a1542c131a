package dev.custody.topology.host;

import java.util.List;

/** The outcome of planning a guest: QEMU arguments with comments, or the reasons it was refused. */
public sealed interface GuestPlan {

    /** Lines to print: {@code #} comments and one {@code -device ...} argument per line. */
    record Planned(List<String> lines) implements GuestPlan {
        public Planned {
            lines = List.copyOf(lines);
        }
    }

    /** Each reason names the group and the functions that make the assignment unsafe. */
    record Refused(List<String> reasons) implements GuestPlan {
        public Refused {
            reasons = List.copyOf(reasons);
        }
    }
}

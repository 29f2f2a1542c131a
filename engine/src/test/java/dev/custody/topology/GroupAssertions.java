package dev.custody.topology;

import java.util.Arrays;
import java.util.List;

/** Compact expectations: groups in allocation order, each as short addresses. */
final class GroupAssertions {

    private GroupAssertions() {}

    static List<List<String>> groups(String... groups) {
        return Arrays.stream(groups)
                .map(g -> Arrays.stream(g.split(" ")).toList())
                .toList();
    }

    static List<List<String>> shortNames(GroupingResult result) {
        return result.groups().stream()
                .map(g -> g.addresses().stream().map(GroupAssertions::shortName).toList())
                .toList();
    }

    private static String shortName(PciAddress a) {
        return a.segment() == 0 ? a.shortName() : a.toString();
    }
}

package dev.custody.topology;

import static dev.custody.topology.GroupAssertions.groups;
import static dev.custody.topology.GroupAssertions.shortNames;
import static dev.custody.topology.Parts.GENERIC;
import static dev.custody.topology.Parts.INTEL;
import static dev.custody.topology.Parts.conventional;
import static dev.custody.topology.Parts.pcieEndpoint;
import static dev.custody.topology.Parts.rootPortWithAcs;
import static dev.custody.topology.Parts.rootPortWithoutAcs;
import static dev.custody.topology.PciFunctionBuilder.function;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each knob on both sides; each must change only what it names. */
class PolicyKnobTest {

    record Case(
            String name,
            List<PciFunction> functions,
            GroupingPolicy policy,
            List<List<String>> expected,
            String device,
            String reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<PciFunction> MULTIFUNCTION_WITH_ACS = List.of(
            rootPortWithAcs("00:1c.0", 1),
            function("01:00.0", GENERIC, 2)
                    .express(PciePortType.ENDPOINT)
                    .multifunction()
                    .acs(AcsCapability.isolating())
                    .build(),
            function("01:00.1", GENERIC, 2)
                    .express(PciePortType.ENDPOINT)
                    .acs(AcsCapability.isolating())
                    .build(),
            function("01:01.0", GENERIC, 2).express(PciePortType.ENDPOINT).build());

    private static final List<PciFunction> INTEL_RCIEPS = List.of(
            function("00:14.0", INTEL, 0x7ae0)
                    .express(PciePortType.RC_INTEGRATED_ENDPOINT)
                    .multifunction()
                    .build(),
            function("00:14.2", INTEL, 0x7aa7)
                    .express(PciePortType.RC_INTEGRATED_ENDPOINT)
                    .build());

    private static final List<PciFunction> TWO_BUSES = List.of(
            conventional("00:01.0"), conventional("00:02.0"), rootPortWithAcs("00:1c.0", 1), pcieEndpoint("01:00.0"));

    private static final List<PciFunction> NON_ACS_ROOT_PORT = List.of(
            rootPortWithoutAcs("00:1c.0", 1),
            pcieEndpoint("01:00.0"),
            rootPortWithoutAcs("00:1d.0", 2),
            pcieEndpoint("02:00.0"));

    static Stream<Case> knobs() {
        var kernel = GroupingPolicy.KERNEL;
        var untrusted = kernel.withTrustMultifunctionIsolation(false);
        var byBus = kernel.withGroupByBus(true);
        var override = kernel.withAcsOverride(Set.of(PciAddress.parse("00:1c.0")));
        return Stream.of(
                new Case(
                        "multifunction isolation trusted: ACS functions apart",
                        MULTIFUNCTION_WITH_ACS,
                        kernel,
                        groups("00:1c.0", "01:00.0", "01:00.1", "01:01.0"),
                        "01:00.1",
                        "allocated group 2"),
                new Case(
                        "multifunction isolation untrusted: slot 01:00 is one group, slot 01:01 untouched",
                        MULTIFUNCTION_WITH_ACS,
                        untrusted,
                        groups("00:1c.0", "01:00.0 01:00.1", "01:01.0"),
                        "01:00.1",
                        "policy: multifunction isolation not trusted, slot 01:00 is one group (with 01:00.0)"),
                new Case(
                        "trusted: Intel RCiEP quirk keeps functions apart",
                        INTEL_RCIEPS,
                        kernel,
                        groups("00:14.0", "00:14.2"),
                        "00:14.2",
                        "device-specific ACS quirk Intel RCiEP"),
                new Case(
                        "untrusted: the slot is one group even with the quirk",
                        INTEL_RCIEPS,
                        untrusted,
                        groups("00:14.0 00:14.2"),
                        "00:14.2",
                        "slot 00:14 is one group"),
                new Case(
                        "by function: bus 0 devices apart",
                        TWO_BUSES,
                        kernel,
                        groups("00:01.0", "00:02.0", "00:1c.0", "01:00.0"),
                        "00:02.0",
                        "allocated group 1"),
                new Case(
                        "by bus: bus 0 is one group, bus 1 keeps its own",
                        TWO_BUSES,
                        byBus,
                        groups("00:01.0 00:02.0 00:1c.0", "01:00.0"),
                        "00:1c.0",
                        "policy: group by bus, bus 0000:00 is one group (with 00:01.0)"),
                new Case(
                        "no override: a non-ACS root port takes its child",
                        NON_ACS_ROOT_PORT,
                        kernel,
                        groups("00:1c.0 01:00.0", "00:1d.0 02:00.0"),
                        "01:00.0",
                        "no ACS path to the root"),
                new Case(
                        "override on 00:1c.0 only: its child stands alone, flagged unsafe; 00:1d.0 unchanged",
                        NON_ACS_ROOT_PORT,
                        override,
                        groups("00:1c.0", "00:1d.0 02:00.0", "01:00.0"),
                        "01:00.0",
                        "UNSAFE: ACS override treats 00:1c.0 as isolated"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("knobs")
    void knob(Case c) {
        var result = GroupDerivation.derive(PciTopology.of(c.functions()), c.policy());
        assertEquals(c.expected(), shortNames(result), result.explain());
        var reasons = result.member(PciAddress.parse(c.device())).orElseThrow().reasonTexts();
        assertTrue(reasons.stream().anyMatch(r -> r.contains(c.reason())), () -> c.device() + ": " + reasons);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policiesThatLeaveQ35Alone")
    void q35IsUnchangedByKnobsThatDoNotApply(GroupingPolicy policy) {
        assertEquals(
                shortNames(GroupDerivation.derive(Q35Layout.topology())),
                shortNames(GroupDerivation.derive(Q35Layout.topology(), policy)));
    }

    static Stream<GroupingPolicy> policiesThatLeaveQ35Alone() {
        // Its multifunction slots already lack ACS, and its root ports already have it.
        return Stream.of(
                GroupingPolicy.KERNEL.withTrustMultifunctionIsolation(false),
                GroupingPolicy.KERNEL.withAcsOverride(
                        Set.of(PciAddress.parse("00:02.0"), PciAddress.parse("00:05.0"))));
    }
}

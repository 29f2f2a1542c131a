package dev.custody.bench;

import dev.custody.sim.FoldBench;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code custody bench fold}: replay's fold through the pure model against the host's size. */
@Command(
        name = "fold",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the simulator's agents on the pure model on hosts of each size (on the same first groups),",
            "then times replay's fold of the decisions' events from the booted state: events per second."
        })
public final class FoldCommand implements Callable<Integer> {

    @Option(
            names = "--groups",
            split = ",",
            defaultValue = "32,256,1024,4096,16384",
            description = "Host sizes in IOMMU groups. Default: ${DEFAULT-VALUE}.")
    List<Integer> groups;

    @Option(
            names = "--active-groups",
            defaultValue = "32",
            description = "The groups the agents work on, the same on every host. Default: ${DEFAULT-VALUE}.")
    int activeGroups;

    @Option(names = "--ops", defaultValue = "200000", description = "Calls made. Default: ${DEFAULT-VALUE}.")
    long ops;

    @Option(names = "--seed", description = "Seed of the calls made. " + dev.custody.sim.Seeds.DEFAULT)
    Long givenSeed;

    @Option(
            names = "--rounds",
            defaultValue = "5",
            description = "Folds timed, the best kept. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(
            names = "--json",
            description = "Print one JSON object: {\"seed\", \"points\": [{groups, activeGroups, decisions,"
                    + " events, foldCpuSeconds, eventsPerSecond, ratio}]}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (groups.stream().anyMatch(g -> g < activeGroups)) {
            System.err.println(
                    "custody bench fold: every host needs at least --active-groups " + activeGroups + " groups");
            return 2;
        }
        long seed = dev.custody.sim.Seeds.orFresh(givenSeed);
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var report = mapper.createObjectNode().put("seed", seed);
        var points = report.putArray("points");
        if (!json) {
            System.out.println("seed " + seed);
            System.out.printf(
                    Locale.ROOT,
                    "%7s %7s %10s %10s %11s %12s %6s%n",
                    "groups",
                    "active",
                    "decisions",
                    "events",
                    "fold cpu s",
                    "events/s",
                    "x");
        }
        double first = 0;
        for (int size : groups) {
            FoldBench.Point p = FoldBench.run(seed, size, activeGroups, ops, rounds);
            first = first == 0 ? p.eventsPerSecond() : first;
            double ratio = p.eventsPerSecond() / first;
            points.addObject()
                    .put("groups", p.groups())
                    .put("activeGroups", p.activeGroups())
                    .put("decisions", p.decisions())
                    .put("events", p.events())
                    .put("foldCpuSeconds", p.bestSeconds())
                    .put("eventsPerSecond", p.eventsPerSecond())
                    .put("ratio", ratio);
            if (!json) {
                System.out.printf(
                        Locale.ROOT,
                        "%7d %7d %10d %10d %11.3f %12.0f %6.2f%n",
                        p.groups(),
                        p.activeGroups(),
                        p.decisions(),
                        p.events(),
                        p.bestSeconds(),
                        p.eventsPerSecond(),
                        ratio);
            }
        }
        if (json) {
            System.out.println(mapper.writeValueAsString(report));
        }
        return 0;
    }
}

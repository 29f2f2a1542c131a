package dev.custody.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.bench.journal.RecoveryBench;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code custody bench recovery}: restart and replay time as a function of journal length. */
@Command(
        name = "recovery",
        mixinStandardHelpOptions = true,
        description = {
            "Writes H2 journals of the given lengths (kernel events) with the journal benchmark's",
            "workload, halts the engine as a kill would, and times a restart replaying the whole journal,",
            "a restart from the newest snapshot, and a replay of the journal through the pure model;",
            "prints the journal's bytes on disk per kernel event, and per event once H2 compacts a copy."
        })
public final class RecoveryCommand implements Callable<Integer> {

    @Option(
            names = "--events",
            split = ",",
            defaultValue = "10000,100000",
            description =
                    "Journal lengths in kernel events. Default: ${DEFAULT-VALUE} (add 1000000 for the issue's largest).")
    List<Long> events;

    @Option(
            names = "--callers",
            defaultValue = "32",
            description = "Concurrent callers writing the journal. Default: ${DEFAULT-VALUE}.")
    int callers;

    @Option(
            names = "--groups",
            description =
                    "IOMMU groups of the host the journal is written on. Default: twice the callers, at" + " least 16.")
    Integer groups;

    @Option(names = "--json", description = "One JSON array instead of the table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<RecoveryBench.Point> points =
                RecoveryBench.run(events, callers, groups != null ? groups : RecoveryBench.defaultGroups(callers));
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(points));
            return 0;
        }
        System.out.printf(
                Locale.ROOT,
                "%8s %10s %10s %10s %16s %16s %10s %10s %14s %12s %12s%n",
                "groups",
                "events",
                "decisions",
                "write s",
                "restart full s",
                "restart snap s",
                "read s",
                "fold s",
                "replay ev/s",
                "disk B/ev",
                "compact B/ev");
        for (RecoveryBench.Point p : points) {
            System.out.printf(
                    Locale.ROOT,
                    "%8d %10d %10d %10.1f %16.2f %16.2f %10.2f %10.2f %14.0f %12.1f %12.1f%n",
                    p.groups(),
                    p.events(),
                    p.decisions(),
                    p.writeSeconds(),
                    p.restartFullSeconds(),
                    p.restartSnapshotSeconds(),
                    p.readSeconds(),
                    p.foldSeconds(),
                    p.replayEventsPerSecond(),
                    p.bytesPerEvent(),
                    p.compactedBytesPerEvent());
        }
        return 0;
    }
}

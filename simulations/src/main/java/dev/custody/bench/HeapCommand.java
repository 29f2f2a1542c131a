package dev.custody.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.bench.heap.HeapFootprint;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code custody bench heap}: the live heap per group, per device and per open file. */
@Command(
        name = "heap",
        mixinStandardHelpOptions = true,
        description = {
            "Boots the simulator's host of each size on the pure model or the actors (in-memory journal),",
            "opens files on it, and prints the heap it keeps live: per group, per device and per open file."
        })
public final class HeapCommand implements Callable<Integer> {

    @Option(
            names = "--groups",
            split = ",",
            defaultValue = "1024,16384",
            description = "Host sizes in IOMMU groups. Default: ${DEFAULT-VALUE}.")
    List<Integer> groups;

    @Option(
            names = "--files",
            defaultValue = "10000",
            description = "Files opened on each host. Default: ${DEFAULT-VALUE}.")
    int files;

    @Option(
            names = "--engine",
            defaultValue = "rules",
            description = "rules (the pure model) or actors. Default: ${DEFAULT-VALUE}.")
    String engine;

    @Option(names = "--json", description = "One JSON array instead of the table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!engine.equals("rules") && !engine.equals("actors")) {
            System.err.println("custody bench heap: --engine must be rules or actors");
            return 2;
        }
        List<HeapFootprint.Point> points = new ArrayList<>();
        for (int size : groups) {
            points.add(HeapFootprint.measure(size, files, engine.equals("actors")));
        }
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(points));
            return 0;
        }
        System.out.printf(
                Locale.ROOT,
                "%-7s %7s %8s %7s %10s %10s %10s %10s %10s%n",
                "engine",
                "groups",
                "devices",
                "files",
                "live MB",
                "B/group",
                "B/device",
                "B/file",
                "host MB");
        for (HeapFootprint.Point p : points) {
            System.out.printf(
                    Locale.ROOT,
                    "%-7s %7d %8d %7d %10.1f %10d %10d %10d %10.1f%n",
                    p.engine(),
                    p.groups(),
                    p.devices(),
                    p.files(),
                    p.totalBytes() / 1048576.0,
                    p.bytesPerGroup(),
                    p.bytesPerDevice(),
                    p.bytesPerFile(),
                    p.bootedBytes() / 1048576.0);
        }
        return 0;
    }
}

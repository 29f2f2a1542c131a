package dev.custody.oracle.live;

import dev.custody.ops.NotRealisable;
import dev.custody.oracle.GuestCheckResult;
import dev.custody.oracle.GuestLayout;
import dev.custody.oracle.vm.GuestFile;
import dev.custody.oracle.vm.Kernel;
import dev.custody.scenario.Scenario;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code custody oracle live}: scenarios through the live engine in the oracle's VM. The machine is
 * the one {@code oracle diff} boots for a file ({@link GuestLayout}); the guest's root is the live
 * check's (a jlinked JDK and this class path, {@link LiveCheck}) and its program
 * {@link LiveScenarioRun}, given the files' text. A boot of the JVM and Pekko costs about a minute
 * under TCG, so files whose machines are the same run in one boot, one after another, each on an
 * engine of its own; a file that leaves the machine otherwise than it found it (a device removed or
 * added, a group's type changed) runs alone.
 */
public final class LiveOracle {
    /** Operations whose effect outlives the engine that carried them out: their files get a VM each. */
    static final Set<String> LEAVES_THE_MACHINE_CHANGED = Set.of("device.add", "device.remove", "sysfs.group_type");

    private final Path home;
    private final Supplier<Kernel> kernels;
    private final Duration timeoutPerFile;
    private Kernel kernel;

    /** {@code kernel} is asked for (and built, the first time on a machine) only when a file is live-realisable. */
    public LiveOracle(Path home, Supplier<Kernel> kernel, Duration timeoutPerFile) {
        this.home = home;
        this.kernels = kernel;
        this.timeoutPerFile = timeoutPerFile;
    }

    /** A scenario and its file's text. */
    public record File(Scenario scenario, String text) {}

    /** Runs every file and hands each one's run to {@code each} as its boot ends, not realisable ones first. */
    public void run(List<File> files, Consumer<LiveFileRun> each) {
        Map<List<String>, List<File>> batches = new LinkedHashMap<>();
        List<File> alone = new ArrayList<>();
        for (File file : files) {
            Optional<String> why = LiveRealisability.why(file.scenario());
            if (why.isPresent()) {
                each.accept(LiveFileRun.notRealisable(file.scenario().source(), why.get()));
                continue;
            }
            if (changesTheMachine(file.scenario())) {
                alone.add(file);
            } else {
                batches.computeIfAbsent(layout(file).qemuArguments(), k -> new ArrayList<>())
                        .add(file);
            }
        }
        alone.forEach(file -> boot(List.of(file)).forEach(each));
        batches.values().forEach(batch -> boot(batch).forEach(each));
    }

    private static boolean changesTheMachine(Scenario scenario) {
        return scenario.steps().stream().anyMatch(s -> LEAVES_THE_MACHINE_CHANGED.contains(s.op()));
    }

    /** One boot of the batch's machine running each of its files; the runs in the files' order. */
    private List<LiveFileRun> boot(List<File> batch) {
        List<GuestFile> texts = new ArrayList<>();
        List<String> arguments = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            String name = "scenario-" + i + ".json";
            texts.add(GuestFile.bytes(name, 0644, batch.get(i).text().getBytes(StandardCharsets.UTF_8)));
            arguments.add(batch.get(i).scenario().source());
            arguments.add("/" + name);
        }
        if (kernel == null) {
            kernel = kernels.get();
        }
        GuestCheckResult result = new LiveCheck(home, kernel, timeoutPerFile.multipliedBy(batch.size()))
                .run(layout(batch.getFirst()), texts, LiveScenarioRun.class.getName(), arguments, LiveScenarioRun.END);
        List<List<String>> perFile = new ArrayList<>();
        for (String line : result.lines()) {
            if (line.startsWith(LiveScenarioRun.FILE)) {
                perFile.add(new ArrayList<>());
            } else if (!perFile.isEmpty()) {
                perFile.getLast().add(line);
            }
        }
        List<LiveFileRun> runs = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Scenario scenario = batch.get(i).scenario();
            runs.add(LiveFileRun.of(
                    scenario.source(),
                    kernel.name(),
                    scenario.steps().size(),
                    i < perFile.size() ? perFile.get(i) : List.of(),
                    result.diagnosis()));
        }
        return runs;
    }

    private static GuestLayout layout(File file) {
        try {
            return GuestLayout.of(file.scenario());
        } catch (NotRealisable checkedBefore) {
            throw new IllegalStateException(checkedBefore);
        }
    }
}

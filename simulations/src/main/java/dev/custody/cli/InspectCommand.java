package dev.custody.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.model.state.KernelState;
import dev.custody.replay.JournalHistory;
import dev.custody.replay.Replay;
import dev.custody.replay.SysfsView;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code custody inspect}: the state an engine would recover from its journal, without starting it
 * (starting would re-drive open decisions and so write to the journal an investigator is reading).
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = "The recovered state of an engine's journal, laid out like /sys/kernel/iommu_groups.")
public final class InspectCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    RecordedJournal recorded;

    @Option(names = "--json", description = "JSON instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        java.util.Optional<JournalHistory> read = recorded.read("inspect");
        if (read.isEmpty()) {
            return 2;
        }
        JournalHistory history = read.get();
        KernelState state = Replay.fold(history);
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("instance", history.instance());
            out.put("format", history.format());
            out.put("lastDecision", history.decisions().size());
            out.put("openDecisions", history.openDecisions());
            out.putAll(SysfsView.json(state));
            System.out.println(new ObjectMapper().writeValueAsString(out));
        } else {
            System.out.println("engine " + history.instance() + " (" + history.format() + ") after decision "
                    + history.decisions().size()
                    + (history.openDecisions().isEmpty()
                            ? ""
                            : " (open, completed on the next start: " + history.openDecisions() + ")"));
            System.out.print(SysfsView.text(state));
        }
        return 0;
    }
}

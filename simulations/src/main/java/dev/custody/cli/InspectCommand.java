package dev.custody.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.model.state.KernelState;
import dev.custody.replay.BadJournal;
import dev.custody.replay.JournalHistory;
import dev.custody.replay.JournalReader;
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
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "The recovered state of an engine's journal, laid out like /sys/kernel/iommu_groups.")
public final class InspectCommand implements Callable<Integer> {

    @Option(names = "--journal", required = true, description = "h2:DIR or a jdbc:postgresql: URL.")
    String journal;

    @Option(names = "--instance", defaultValue = JournalDefaults.INSTANCE,
            description = "The engine instance. Default: ${DEFAULT-VALUE}.")
    String instance;

    @Option(names = "--json", description = "JSON instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        JournalHistory history;
        try {
            history = JournalReader.read(JournalDefaults.durable(journal).config(), instance);
        } catch (IllegalArgumentException | BadJournal bad) {
            System.err.println("custody inspect: " + bad.getMessage());
            return 2;
        }
        KernelState state = Replay.fold(history);
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("instance", instance);
            out.put("lastDecision", history.decisions().size());
            out.put("openDecisions", history.openDecisions());
            out.putAll(SysfsView.json(state));
            System.out.println(new ObjectMapper().writeValueAsString(out));
        } else {
            System.out.println("engine " + instance + " after decision " + history.decisions().size()
                    + (history.openDecisions().isEmpty() ? "" : " (open, completed on the next start: "
                    + history.openDecisions() + ")"));
            System.out.print(SysfsView.text(state));
        }
        return 0;
    }
}

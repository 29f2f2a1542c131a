package dev.custody.cli;

import dev.custody.api.CustodyRuntime;
import dev.custody.api.ActorEngine;
import dev.custody.api.ModelEngine;
import dev.custody.api.KernelEngine;
import java.time.Duration;
import java.util.UUID;

/**
 * A fresh engine per scenario file: the pure model, or a journaled actor engine on one shared
 * runtime (one actor-system start for all files), each under its own persistence ids.
 */
final class EngineFactory implements AutoCloseable {
    private final ScenarioCommand.Run.EngineChoice choice;
    private final JournalOption journal;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private CustodyRuntime runtime;
    private int count;

    EngineFactory(ScenarioCommand.Run.EngineChoice choice, JournalOption journal) {
        this.choice = choice;
        this.journal = journal;
    }

    KernelEngine next() {
        return switch (choice) {
            case rules -> new ModelEngine();
            case actors -> {
                if (runtime == null) {
                    runtime = CustodyRuntime.start(journal.prepared().config());
                }
                yield new ActorEngine(runtime, "scenario-" + runId + "-" + ++count, Duration.ofSeconds(30));
            }
        };
    }

    @Override
    public void close() {
        if (runtime != null) {
            runtime.close();
        }
    }
}

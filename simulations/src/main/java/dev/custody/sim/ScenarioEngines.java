package dev.custody.sim;

import dev.custody.api.ActorEngine;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.KernelEngine;
import dev.custody.api.ModelEngine;
import dev.custody.persistence.JournalSpec;
import java.time.Duration;
import java.util.UUID;

/**
 * A fresh engine per scenario file: the pure model, or a journaled actor engine on one shared
 * runtime (one actor-system start for all files), each under its own persistence ids.
 */
public final class ScenarioEngines implements AutoCloseable {
    /** rules: the pure model; actors: the journaled actor engine. */
    public enum Kind {
        rules,
        actors
    }

    private final Kind choice;
    private final JournalSpec journal;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private CustodyRuntime runtime;
    private int count;

    public ScenarioEngines(Kind choice, JournalSpec journal) {
        this.choice = choice;
        this.journal = journal;
    }

    public KernelEngine next() {
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

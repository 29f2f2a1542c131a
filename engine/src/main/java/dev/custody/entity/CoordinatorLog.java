package dev.custody.entity;

import dev.custody.model.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an engine says in its log, through SLF4J: at INFO once per start (boot or recovery, with how
 * much it read and how long it took) and once per stop; at WARN what went wrong without stopping it
 * (a journal write that failed, and the restart that follows) and a journal it refused to trust. A
 * normal run writes two or three lines at INFO; nothing per operation.
 */
final class CoordinatorLog {
    static final Logger LOG = LoggerFactory.getLogger("dev.custody.engine");

    private final String instance;
    private long recoveryStarted = System.nanoTime();
    private long recordsRead;
    private int restarts;
    /** Pekko signals a failed recovery more than once (the cause, then the cause wrapped): said once. */
    private boolean refusalLogged;

    CoordinatorLog(String instance) {
        this.instance = instance;
    }

    /** A journal record was replayed; counts only while recovering. */
    void replayed() {
        recordsRead++;
    }

    void booted(Topology topology) {
        LOG.info(
                "engine {} booted on a new journal: {} devices in {} groups",
                instance,
                topology.devices().size(),
                groups(topology));
    }

    /** The recovery ended; the counts restart for the next one (a restart after a failed write). */
    void recovered(CoordinatorLedger ledger) {
        long millis = (System.nanoTime() - recoveryStarted) / 1_000_000;
        if (ledger.kernel().isEmpty()) {
            LOG.debug("engine {} found no journal ({} ms)", instance, millis);
        } else {
            Topology topology = ledger.kernel().get().topology();
            LOG.info(
                    "engine {} {} its journal in {} ms: {} records after the snapshot, {} decisions, {} open"
                            + " (delivered again), {} devices in {} groups",
                    instance,
                    restarts == 0 ? "recovered" : "restarted from",
                    millis,
                    recordsRead,
                    ledger.lastSeq(),
                    ledger.open().size(),
                    topology.devices().size(),
                    groups(topology));
        }
        recordsRead = 0;
    }

    void writeFailed(String cause) {
        restarts++;
        recoveryStarted = System.nanoTime();
        LOG.warn(
                "engine {} could not write to its journal ({}); the callers of that write get an error, and it"
                        + " restarts from its journal (restart {})",
                instance,
                cause,
                restarts);
    }

    void entityWriteFailed(EntityId entity, long seq, String cause, boolean again) {
        LOG.warn(
                "engine {}: {} could not write its part of decision {} ({}); it restarts from its journal and is"
                        + " sent the part again{}",
                instance,
                entity.persistenceId(instance),
                seq,
                cause,
                again ? " (not the first failure in a row: quiesce reports it)" : "");
    }

    void entityStuck(StuckEntity stuck, java.time.Duration probeAfter) {
        LOG.warn(
                "engine {}: {}. It is stopped and sent nothing until a probe (after {} ms, then less often); its"
                        + " decisions stay open in the engine's journal and answers go on",
                instance,
                stuck.describe(),
                probeAfter.toMillis());
    }

    void entityRecovered(String persistenceId) {
        LOG.info("engine {}: {} recovered from its journal and is no longer stuck", instance, persistenceId);
    }

    void refused(Throwable failure) {
        if (refusalLogged) {
            return;
        }
        refusalLogged = true;
        LOG.warn("engine {} refused its journal and does not start: {}", instance, failure.getMessage());
    }

    void drift(CommandRecord command, AnswerRecord model, HostRecord host) {
        LOG.warn(
                "engine {}: drift on {} from {}: the model answered {}, the kernel {} ({}); the caller gets the"
                        + " kernel's answer and the model follows what the host shows",
                instance,
                command.operation(),
                command.caller(),
                model.result(),
                host.kernel().result(),
                host.action());
    }

    void stopped(long lastSeq) {
        LOG.info("engine {} stopped at decision {}", instance, lastSeq);
    }

    private static long groups(Topology topology) {
        return topology.devices().values().stream()
                .map(d -> d.group())
                .flatMap(java.util.Optional::stream)
                .distinct()
                .count();
    }
}

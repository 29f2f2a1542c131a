package dev.custody.crash;

import com.typesafe.config.Config;
import dev.custody.persistence.JournalSpec;
import java.io.IOException;
import java.util.List;

/**
 * The child is a JVM on this host and a kill is its SIGKILL. The process dies but the kernel's page
 * cache does not: whatever the engine wrote, synced or not, is in the journal afterwards, so this mode
 * proves the engine's recovery but cannot see a missing fsync ({@link PowerLossMode} can).
 */
final class SigkillMode implements CrashMode {
    private final CrashSettings settings;

    SigkillMode(CrashSettings settings) {
        this.settings = settings;
    }

    @Override
    public String killName() {
        return "SIGKILL";
    }

    @Override
    public Bounds bounds() {
        return Bounds.JVM;
    }

    @Override
    public String journalSpelling() {
        return settings.journalSpelling();
    }

    @Override
    public WorkloadChild start(List<String> workloadArguments, String name) throws IOException {
        return ChildJvm.start(
                workloadArguments,
                settings.workDirectory().resolve(name + ".stderr"),
                JournalSpec.childEnvironment(settings.journal()));
    }

    @Override
    public Config journalAfterKill() {
        return settings.journal();
    }
}

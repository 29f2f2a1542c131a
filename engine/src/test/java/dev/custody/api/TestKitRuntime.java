package dev.custody.api;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;

/**
 * A runtime on Pekko's persistence test kit (journal and snapshot store, records kept as objects), the
 * journal the engine tests fail, read and inspect; {@code settings} adds the test's own keys.
 */
public final class TestKitRuntime {
    private TestKitRuntime() {}

    public static CustodyRuntime start(String settings) {
        return CustodyRuntime.start(PersistenceTestKitPlugin.config()
                .withFallback(PersistenceTestKitSnapshotPlugin.config())
                .withFallback(ConfigFactory.parseString("""
                        pekko.persistence.testkit.events.serialize = off
                        pekko.persistence.testkit.snapshots.serialize = off
                        """))
                .withFallback(ConfigFactory.parseString(settings)));
    }
}

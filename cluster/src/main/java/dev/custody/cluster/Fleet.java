package dev.custody.cluster;

import dev.custody.model.Topology;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The engine instances a cluster serves, each with the topology of its host kernel. Every node is
 * given the same fleet: whichever node an instance lands on starts it from this topology (a start
 * recovers the journal, which refuses a topology other than the one it was started with). A request
 * for an instance that is not in the fleet is refused, never started as a new engine.
 */
public final class Fleet {
    /**
     * Letters, digits, '.', '_' and '-': an instance name becomes part of actor names and of the
     * journal's persistence ids ("NAME|kernel"), where '|' and '/' mean something.
     */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final SortedMap<String, Topology> hosts;

    private Fleet(SortedMap<String, Topology> hosts) {
        this.hosts = hosts;
    }

    public static Fleet of(Map<String, Topology> hosts) {
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("a fleet needs at least one engine instance");
        }
        hosts.keySet().forEach(Fleet::checkName);
        return new Fleet(new TreeMap<>(hosts));
    }

    /** {@code count} instances {@code PREFIX-0 ... PREFIX-(count-1)} of one topology: simulated hosts alike. */
    public static Fleet numbered(String prefix, int count, Topology topology) {
        if (count < 1) {
            throw new IllegalArgumentException("a fleet needs at least one host, not " + count);
        }
        SortedMap<String, Topology> hosts = new TreeMap<>();
        for (int n = 0; n < count; n++) {
            hosts.put(prefix + "-" + n, topology);
        }
        return of(hosts);
    }

    static void checkName(String instance) {
        if (!NAME.matcher(instance).matches()) {
            throw new IllegalArgumentException("an engine instance name is 1 to 64 letters, digits, '.', '_' or '-',"
                    + " not \"" + instance + "\"");
        }
    }

    public Optional<Topology> topology(String instance) {
        return Optional.ofNullable(hosts.get(instance));
    }

    public java.util.Set<String> instances() {
        return java.util.Collections.unmodifiableSet(hosts.keySet());
    }

    /**
     * A digest of the instance names, which every node must share: a node given another fleet would
     * refuse, or start, instances the others route elsewhere ({@link JoinCheck} compares it).
     */
    public String fingerprint() {
        try {
            var digest = java.security.MessageDigest.getInstance("SHA-256");
            for (String instance : hosts.keySet()) {
                digest.update((instance + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return hosts.size() + ":" + java.util.HexFormat.of().formatHex(digest.digest(), 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The refusal of a request for {@code instance}, naming a few instances that do exist. */
    String unknown(String instance) {
        var some = hosts.keySet().stream().limit(5).toList();
        return "no engine instance \"" + instance + "\" in this cluster's fleet (" + hosts.size() + " instances, e.g. "
                + String.join(", ", some) + ")";
    }
}

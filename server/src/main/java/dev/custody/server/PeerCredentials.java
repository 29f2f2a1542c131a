package dev.custody.server;

import java.util.OptionalLong;

/**
 * Who is at the other end of a connection, as the kernel recorded it when the client connected
 * (SO_PEERCRED). The JDK gives the user and group as names (the number when the id has no name);
 * it does not give the pid, so {@code pid} is empty unless the credentials came from elsewhere.
 */
public record PeerCredentials(String user, String group, OptionalLong pid) {

    public static PeerCredentials of(String user, String group) {
        return new PeerCredentials(user, group, OptionalLong.empty());
    }

    @Override
    public String toString() {
        return "user " + user + " (group " + group + (pid.isPresent() ? ", pid " + pid.getAsLong() : "") + ")";
    }
}

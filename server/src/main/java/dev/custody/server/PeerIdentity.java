package dev.custody.server;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/** How the server learns who connected. The real one asks the kernel (SO_PEERCRED); tests may stand in. */
@FunctionalInterface
interface PeerIdentity {
    PeerCredentials of(SocketChannel channel) throws IOException;

    /** The credentials the kernel recorded at connect(2), through the JDK's SO_PEERCRED option. */
    PeerIdentity KERNEL = channel -> {
        UnixDomainPrincipal principal = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
        return PeerCredentials.of(principal.user().getName(), principal.group().getName());
    };
}

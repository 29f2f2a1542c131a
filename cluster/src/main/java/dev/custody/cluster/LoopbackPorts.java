package dev.custody.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** TCP ports free on the loopback address now, for nodes started on one machine (tests, cluster-test). */
public final class LoopbackPorts {
    private LoopbackPorts() {}

    /** {@code count} distinct ports: all held open together while chosen, so none is handed out twice. */
    public static List<Integer> free(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int n = 0; n < count; n++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }
}

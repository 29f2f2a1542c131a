package dev.custody.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay on 127.0.0.1 in front of a server, which a test can {@link #cut} and {@link #restore}:
 * cut, it closes every relayed connection and stops listening, so its clients see what they see when
 * the server process is gone (their connections break, a new one is refused); restored, it listens on
 * the same port again and relays new connections as before.
 */
final class LoopbackProxy implements AutoCloseable {
    private final InetSocketAddress target;
    private final int port;
    private final Set<Socket> relayed = ConcurrentHashMap.newKeySet();
    private ServerSocket listener;

    private LoopbackProxy(InetSocketAddress target, int port) {
        this.target = target;
        this.port = port;
    }

    /** Relays 127.0.0.1:{@code port()} to {@code target}, listening from now on. */
    static LoopbackProxy start(InetSocketAddress target) throws IOException {
        int port = LoopbackPorts.free(1).getFirst();
        LoopbackProxy proxy = new LoopbackProxy(target, port);
        proxy.restore();
        return proxy;
    }

    int port() {
        return port;
    }

    /** Breaks every relayed connection (a reset, as a killed server's kernel sends) and stops listening. */
    synchronized void cut() throws IOException {
        if (listener != null) {
            listener.close();
            listener = null;
        }
        for (Socket socket : relayed) {
            quietly(socket, true);
        }
        relayed.clear();
    }

    /** Listens again on the same port. */
    synchronized void restore() throws IOException {
        if (listener != null) {
            return;
        }
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true); // the cut connections' TIME_WAIT must not keep the port
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        listener = socket;
        Thread.ofVirtual().name("proxy-accept-" + port).start(() -> accept(socket));
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException closed) {
                return; // cut or closed
            }
            Socket server = new Socket();
            try {
                server.connect(target, 5_000);
            } catch (IOException refused) {
                quietly(client, true);
                quietly(server, true);
                continue;
            }
            synchronized (this) {
                if (listener != socket) { // cut while connecting
                    quietly(client, true);
                    quietly(server, true);
                    return;
                }
                relayed.add(client);
                relayed.add(server);
            }
            Thread.ofVirtual().start(() -> pump(client, server));
            Thread.ofVirtual().start(() -> pump(server, client));
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException broken) {
            // the other side closed, or the relay was cut: close both below
        } finally {
            relayed.remove(from);
            relayed.remove(to);
            quietly(from, false);
            quietly(to, false);
        }
    }

    private static void quietly(Socket socket, boolean reset) {
        try {
            if (reset && !socket.isClosed()) {
                socket.setSoLinger(true, 0); // RST, not an orderly FIN
            }
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() throws IOException {
        cut();
    }
}

package dev.custody.server;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The Prometheus text endpoint, {@code GET /metrics}, on 127.0.0.1 only and only when a port is
 * asked for: the control socket is the server's only other listener.
 */
final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer http;

    private MetricsEndpoint(HttpServer http) {
        this.http = http;
    }

    static MetricsEndpoint start(int port, ServerMetrics metrics) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        http.createContext("/metrics", exchange -> {
            byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        return new MetricsEndpoint(http);
    }

    int port() {
        return http.getAddress().getPort();
    }

    @Override
    public void close() {
        http.stop(0);
    }
}

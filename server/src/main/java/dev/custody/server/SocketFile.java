package dev.custody.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates the listening socket file with its mode set before anyone else can reach it. The JDK binds
 * and listens in one call and cannot set a umask, so the socket is created in a new directory only
 * the server's user can enter, given its mode there, and then renamed into place: nobody can connect
 * while its mode is still the umask's. Public for the cluster's request socket (dev.custody.cluster).
 */
public final class SocketFile {
    private SocketFile() {}

    public static ServerSocketChannel bind(Path socket, Set<PosixFilePermission> mode, int backlog) throws IOException {
        Path target = socket.toAbsolutePath();
        Files.createDirectories(target.getParent());
        refuseIfServed(target);
        Path privateDir = Files.createTempDirectory(
                target.getParent(),
                ".custody-sock-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path staged = privateDir.resolve("s");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(staged), backlog);
            Files.setPosixFilePermissions(staged, mode);
            try {
                Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename the socket into " + target + " (another file system?)", e);
            }
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        } finally {
            Files.deleteIfExists(staged);
            Files.deleteIfExists(privateDir);
        }
    }

    /** A socket file someone still listens on is another server's; a stale one (nobody answers) is replaced. */
    private static void refuseIfServed(Path target) throws IOException {
        if (!Files.exists(target)) {
            return;
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(target))) {
            throw new IOException(target + " is served by another process (" + probe.getRemoteAddress()
                    + "); stop it or choose another --socket");
        } catch (java.net.SocketException stale) {
            Files.deleteIfExists(target);
        }
    }
}

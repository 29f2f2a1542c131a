package dev.custody.nativeio.host;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;

/** The errno behind a failed java.nio file operation, for the few reads the verbs make with it. */
final class Errnos {
    static final int ENOENT = 2;
    static final int EIO = 5;
    static final int EACCES = 13;
    static final int ENOTDIR = 20;
    static final int EINVAL = 22;

    private Errnos() {}

    static int number(IOException e) {
        return switch (e) {
            case NoSuchFileException missing -> ENOENT;
            case NotLinkException notLink -> EINVAL;
            case NotDirectoryException notDirectory -> ENOTDIR;
            case AccessDeniedException denied -> EACCES;
            case FileSystemException other
            when other.getReason() != null && other.getReason().contains("Not a directory") -> ENOTDIR;
            default -> EIO;
        };
    }

    static String of(IOException e) {
        return dev.custody.nativeio.libc.ErrnoNames.of(number(e));
    }
}
